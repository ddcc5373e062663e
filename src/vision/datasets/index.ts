// `torchvision.datasets` (tstorch/vision: vision.datasets)
export { VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';
export { CIFAR10, CIFAR100, type CIFAROptions } from './cifar.js';
export { MNIST, FashionMNIST, KMNIST, readIdx, type MNISTOptions } from './mnist.js';
export { ImageFolder, DatasetFolder, IMG_EXTENSIONS, findClasses, makeDataset, hasFileAllowedExtension, isImageFile, defaultLoader, type ImageFolderOptions, type DatasetFolderOptions } from './folder.js';
export { downloadUrl, downloadAndExtractArchive, md5File, type DownloadOptions, type ArchiveJob } from './download.js';
export { extractTar, extractTarSync, TarExtractor, type TarEntry } from './tar.js';
export { VideoClips, unfold, resampleVideoIdx, type VideoClipsOptions, type VideoClipsMetadata, type Resampling } from './video-clips.js';
export { VideoClassificationDataset, type VideoDatasetOptions } from './video-dataset.js';
export { Kinetics, type KineticsOptions } from './kinetics.js';
export { UCF101, type UCF101Options } from './ucf101.js';
export { HMDB51, type HMDB51Options } from './hmdb51.js';
export { EMNIST, QMNIST, readSn3, type EMNISTOptions, type EMNISTSplit, type QMNISTOptions, type QMNISTWhat } from './mnist-variants.js';
export { STL10, type STL10Options, type STL10Split } from './stl10.js';
export { OxfordIIITPet, type OxfordIIITPetOptions, type PetTargetType } from './oxford-iiit-pet.js';
export { Food101, type Food101Options } from './food101.js';
export { CelebA, type CelebAOptions, type CelebATarget } from './celeba.js';
export { Places365, type Places365Options, type Places365Split } from './places365.js';
