// What torchvision's segmentation builders share: published weights fix the class count (21 VOC classes) and
// turn the auxiliary head on, and make the backbone's ImageNet weights unnecessary; without them the backbone
// starts from its own published weights (weightsBackbone, ImageNet by default, as in torchvision) or at random.
// A checkpoint file says itself how many classes it has and whether it has an auxiliary head.
import type { Module } from '../../../nn/module.js';
import { Tensor } from '../../../tensor.js';
import { loadCheckpointFile } from '../weights-load.js';
import { addMissingBatchCounters, resolveWeights, type WeightsArg, type WeightsEnum } from '../weights.js';
import type { SemanticSegmentation } from './preset.js';
import { checkOptions } from '../../../args.js';

export interface SegmentationBuilderOptions {
  /** Published weights ('DEFAULT', 'COCO_WITH_VOC_LABELS_V1', a Weights member), a checkpoint path, or null (random). */
  weights?: WeightsArg;
  /** A progress bar while downloading (default true). */
  progress?: boolean;
  /** Default 21 (VOC), or the published weights' / the checkpoint file's. */
  numClasses?: number | null;
  /** The auxiliary head (torchvision's aux_loss); on with published weights, as the checkpoint file says with a file. */
  auxLoss?: boolean | null;
  /** The backbone's classification weights when `weights` is not given; default 'IMAGENET1K_V1' as torchvision. */
  weightsBackbone?: WeightsArg;
}

/** torchvision's _ovewrite_value_param: a value the caller gave must equal the one the weights fix. */
function overwriteValue<T>(param: string, actual: T | null | undefined, expected: T): T {
  if (actual !== null && actual !== undefined && actual !== expected) {
    throw new Error(`The parameter '${param}' expected value ${JSON.stringify(expected)} but got ${JSON.stringify(actual)} instead.`);
  }
  return expected;
}

export function buildSegmentationModel<M extends Module>(
  e: WeightsEnum<SemanticSegmentation>, opts: SegmentationBuilderOptions,
  build: (weightsBackbone: WeightsArg, numClasses: number, aux: boolean) => M, classesKey: string, o: { hasAux?: boolean } = {},
): M {
  // an unknown key is an error naming it, not an option dropped without a word
  checkOptions(e.enumName.replace(/_Weights$/, '').toLowerCase(), opts, ['weights', 'progress', 'numClasses', 'auxLoss', 'weightsBackbone']);
  // resolveWeights only reads the enum's names and members (its preset type does not matter)
  const w = resolveWeights(e as unknown as WeightsEnum, opts.weights);
  let weightsBackbone: WeightsArg = opts.weightsBackbone === undefined ? 'IMAGENET1K_V1' : opts.weightsBackbone;
  let numClasses = opts.numClasses ?? null;
  let aux = opts.auxLoss ?? null;
  const hasAux = o.hasAux ?? true;
  if (!hasAux && aux) throw new Error('This model does not use auxiliary loss');
  let fileState = null;
  if (w.kind === 'published') {
    weightsBackbone = null;
    numClasses = overwriteValue('numClasses', numClasses, w.weights.meta.categories!.length);
    if (hasAux) aux = overwriteValue('auxLoss', aux, true);
  } else if (w.kind === 'file') {
    weightsBackbone = null;
    fileState = loadCheckpointFile(w.path);
    const head = fileState[classesKey];
    if (!(head instanceof Tensor)) throw new Error(`${w.path}: no '${classesKey}' in the checkpoint: not a ${e.enumName.replace(/_Weights$/, '')} state dict`);
    numClasses ??= head.shape[0]!;
    if (hasAux) aux ??= Object.keys(fileState).some((k) => k.startsWith('aux_classifier.'));
  }
  const model = build(weightsBackbone, numClasses ?? 21, aux ?? false);
  if (w.kind === 'published') {
    model.loadStateDict(addMissingBatchCounters(model, w.weights.getStateDict({ progress: opts.progress ?? true })));
  } else if (fileState !== null) {
    model.loadStateDict(addMissingBatchCounters(model, fileState));
  }
  return model;
}
