// `torchvision.datasets` (tstorch/vision: vision.datasets)
export { VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';
export { CIFAR10, CIFAR100, type CIFAROptions } from './cifar.js';
export { MNIST, FashionMNIST, readIdx, type MNISTOptions } from './mnist.js';
export { ImageFolder, DatasetFolder, IMG_EXTENSIONS, findClasses, makeDataset, hasFileAllowedExtension, isImageFile, defaultLoader, type ImageFolderOptions, type DatasetFolderOptions } from './folder.js';
export { downloadUrl, downloadAndExtractArchive, md5File, type DownloadOptions, type ArchiveJob } from './download.js';
export { extractTar, extractTarSync, TarExtractor, type TarEntry } from './tar.js';
export { CocoDetection, CocoCaptions, type CocoDetectionOptions } from './coco.js';
export { CocoDetectionTargets, ConvertCocoPolysToMask, convertCocoPolysToMask, convertCocoPolyToMask, FilterAndRemapCocoCategories, removeImagesWithoutAnnotations, type CocoTarget, type CocoDetectionTargetsOptions } from './coco-targets.js';
export { VOCDetection, VOCSegmentation, VOC_DATASET_YEAR_DICT, parseVocXml, parseXml, type VOCOptions, type VocXml, type XmlElement } from './voc.js';
export { detectionCollate } from './detection-collate.js';
export { applyJointTransform, type JointTransform } from './vision-dataset.js';
