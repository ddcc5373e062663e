// The names the classification commands (train, finetune, predict, models, summary) accept: every registered
// model but the segmentation ones, whose outputs are per-pixel maps (`tstorch segment` runs those).
import { listModels } from '../vision/models/registry.js';
import * as segmentation from '../vision/models/segmentation/index.js';

export function classificationModels(): string[] {
  const seg = new Set(listModels({ module: segmentation }));
  return listModels().filter((n) => !seg.has(n));
}

/** The segmentation models of the zoo (vision.models.segmentation). */
export function segmentationModels(): string[] {
  return listModels({ module: segmentation });
}
