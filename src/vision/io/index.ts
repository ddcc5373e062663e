// torchvision.io for images.
export * from './image.js';
export * from './decode.js';
// torchvision.io for video (FFmpeg's libraries through the addon).
export { readVideo, readVideoTimestamps, writeVideo, type ReadVideoOptions, type WriteVideoOptions, type VideoInfo, type PtsUnit, type VideoOutputFormat } from './video.js';
export { VideoReader, type VideoReaderFrame, type VideoReaderMetadata, type VideoReaderOptions } from './video-reader.js';
export { videoBackend } from './video-native.js';
export * from './tensor-io.js';
export {
  DEFAULT_MAX_IMAGE_PIXELS, getMaxImagePixels, setMaxImagePixels, checkImagePixels, ImageDecodeError, DecompressionBombError,
  TruncatedImageError, UnidentifiedImageError, type ImageErrorReason,
} from './limits.js';
export { decodePaletteImage, readPaletteImage, type PaletteImage } from './png-palette.js';
