// torchvision.io for images.
export * from './image.js';
export * from './decode.js';
export * from './tensor-io.js';
export {
  DEFAULT_MAX_IMAGE_PIXELS, getMaxImagePixels, setMaxImagePixels, checkImagePixels, ImageDecodeError, DecompressionBombError,
  TruncatedImageError, UnidentifiedImageError, type ImageErrorReason,
} from './limits.js';
export { decodePaletteImage, readPaletteImage, type PaletteImage } from './png-palette.js';
