// torchvision.utils (makeGrid, saveImage) and picture helpers: captions over images, training-curve plots.
export { makeGrid, saveImage, saveImageAsync, saveImageSync, gridToImage, type MakeGridOptions } from './grid.js';
export { drawText, drawTextAsync, captionedGrid, captionedGridAsync, textSvg, wrapText, textWidth, type TextItem, type CaptionedGridOptions } from './text.js';
export { plotCurves, plotCurvesSync, curvesSvg, niceTicks, TAB10, type PlotCurvesOptions } from './plot.js';
export { flowToImage, makeColorwheel } from './flow.js';
export { drawBoundingBoxes, drawSegmentationMasks, drawKeypoints, generateColorPalette, type DrawBoundingBoxesOptions, type DrawSegmentationMasksOptions, type DrawKeypointsOptions, type Colors } from './draw.js';
export { getrgb, toRgb, type ColorLike, type RGB, type RGBA } from './colors.js';
