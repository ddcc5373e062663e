// torchvision.io for images.
export * from './image.js';
export * from './decode.js';
export * from './tensor-io.js';
export { decodePaletteImage, readPaletteImage, type PaletteImage } from './png-palette.js';
