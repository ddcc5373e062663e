// `torchvision.datasets` (tstorch/vision: vision.datasets)
export { VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';
export { CIFAR10, CIFAR100, type CIFAROptions } from './cifar.js';
export { MNIST, FashionMNIST, readIdx, type MNISTOptions } from './mnist.js';
export { ImageFolder, DatasetFolder, IMG_EXTENSIONS, findClasses, makeDataset, hasFileAllowedExtension, isImageFile, defaultLoader, type ImageFolderOptions, type DatasetFolderOptions } from './folder.js';
export { downloadUrl, downloadAndExtractArchive, md5File, type DownloadOptions, type ArchiveJob } from './download.js';
export { extractTar, extractTarSync, TarExtractor, type TarEntry } from './tar.js';
