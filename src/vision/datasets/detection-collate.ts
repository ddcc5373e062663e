// The collate function of torchvision's detection references (utils.collate_fn, `tuple(zip(*batch))`): detection
// images have different sizes and targets are dicts, so a batch stays a list of images and a list of targets.
import { withArgs } from '../../args.js';

function detectionCollateImpl<I, T>(batch: readonly (readonly [I, T])[]): [I[], T[]] {
  return [batch.map((s) => s[0]), batch.map((s) => s[1])];
}
export const detectionCollate = withArgs('detectionCollate', 'torchvision references/detection utils.collate_fn', 'batch', detectionCollateImpl);
