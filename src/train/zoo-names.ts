// The names the classification commands (train, finetune, predict, models, summary) accept: every registered
// model but the segmentation ones, whose outputs are per-pixel maps (`tstorch segment` runs those).
import { listModels } from '../vision/models/registry.js';
import * as segmentation from '../vision/models/segmentation/index.js';
import * as detection from '../vision/models/detection/index.js';

export function classificationModels(): string[] {
  // Not the segmentation models (tstorch segment) nor the detection ones (tstorch detect).
  const other = new Set([...listModels({ module: segmentation }), ...listModels({ module: detection })]);
  return listModels().filter((n) => !other.has(n));
}

/** The segmentation models of the zoo (vision.models.segmentation). */
export function segmentationModels(): string[] {
  return listModels({ module: segmentation });
}

/**
 * Builder options that build a model whose input size is fixed at construction (the ViTs, MaxViT) for `size`
 * (its default weights' crop size: vit_h_14's are 518), so that random or file weights fit the default preset.
 */
export function inputSizeOptions(name: string, size: number): Record<string, unknown> {
  if (name.startsWith('vit_')) return { imageSize: size };
  if (name.startsWith('maxvit_')) return { inputSize: [size, size] };
  return {};
}
