// torchvision.ops.poolers: MultiScaleRoIAlign, RoI Align over a feature pyramid, each box pooled from the level
// that suits its size (FPN paper, eq. 1), as Faster/Mask/Keypoint R-CNN's box, mask and keypoint heads use it.
import { Tensor } from '../../tensor.js';
import { cat, fullLike, scalarTensor, tensor, zeros } from '../../creation.js';
import { Module } from '../../nn/module.js';
import { boxArea } from './boxes.js';
import { roiAlign } from './roi-align.js';
import { disposeTemporary } from '../../memory.js';
import { bindOwn, classArgs, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(initLevelMapper, 'initLevelMapper', 'tstorch.vision.ops.initLevelMapper', 'kMin, kMax, canonicalScale?, canonicalLevel?, eps?');

/** Feature maps by name, in order (Python's OrderedDict): a Map, or an object whose keys keep insertion order. */
export type FeatureMaps = Map<string, Tensor> | Record<string, Tensor>;

export function featureEntries(x: FeatureMaps): [string, Tensor][] {
  return x instanceof Map ? [...x.entries()] : Object.entries(x);
}

/** Maps boxes to FPN levels (torchvision's LevelMapper): floor(lvl0 + log2(sqrt(area) / s0) + eps), clamped. */
export class LevelMapper {
  readonly kMin: number;
  readonly kMax: number;
  readonly canonicalScale: number;
  readonly canonicalLevel: number;
  readonly eps: number;
  constructor(kMin: number, kMax: number, canonicalScale = 224, canonicalLevel = 4,
    eps = 1e-6) {
    [kMin, kMax, canonicalScale = 224, canonicalLevel = 4, eps = 1e-6] = bindOwn(LevelMapper, arguments) as ConstructorParameters<typeof LevelMapper>;
    this.kMin = kMin;
    this.kMax = kMax;
    this.canonicalScale = canonicalScale;
    this.canonicalLevel = canonicalLevel;
    this.eps = eps;
  }

  /** The level index (0 = kMin) of every box of every image, concatenated: int64 [K]. */
  call(boxlists: readonly Tensor[]): Tensor {
    const s = cat(boxlists.map((b) => boxArea(b))).sqrt();
    // Eqn.(1) in the FPN paper, in torchvision's order of operations.
    const targetLvls = s.div(this.canonicalScale).log2().add(this.canonicalLevel)
      .add(scalarTensor(this.eps, { dtype: s.dtype })).floor();
    return targetLvls.clamp(this.kMin, this.kMax).to('int64').sub(this.kMin).to('int64');
  }
}
classArgs(LevelMapper, 'torchvision.ops.LevelMapper', 'kMin, kMax, canonicalScale?, canonicalLevel?, eps?');

export function initLevelMapper(kMin: number, kMax: number, canonicalScale = 224, canonicalLevel = 4, eps = 1e-6): LevelMapper {
  [kMin, kMax, canonicalScale = 224, canonicalLevel = 4, eps = 1e-6] = bindOwn(initLevelMapper, arguments) as Parameters<typeof initLevelMapper>;
  return new LevelMapper(kMin, kMax, canonicalScale, canonicalLevel, eps);
}

function convertToRoiFormat(boxes: readonly Tensor[]): Tensor {
  const concat = cat(boxes, 0);
  const ids = cat(boxes.map((b, i) => fullLike(b.narrow(1, 0, 1), i, { dtype: concat.dtype })), 0);
  return cat([ids, concat], 1);
}

/** The scale of a feature map relative to the image, assumed 2^-k: from the heights, as torchvision infers it. */
export function inferScale(feature: Tensor, originalSize: readonly [number, number]): number {
  const size = feature.shape.slice(-2);
  const possibleScales = size.map((s1, i) => {
    const approxScale = s1 / originalSize[i]!;
    // torch.tensor(approx_scale).log2().round(): float32 arithmetic, rounding half to even.
    return 2 ** tensor([approxScale]).log2().round().item();
  });
  return possibleScales[0]!;
}

export function setupScales(features: readonly Tensor[], imageShapes: readonly (readonly [number, number])[],
  canonicalScale: number, canonicalLevel: number): [number[], LevelMapper] {
  if (imageShapes.length === 0) throw new RangeError('MultiScaleRoIAlign: images list should not be empty');
  let maxX = 0;
  let maxY = 0;
  for (const shape of imageShapes) {
    maxX = Math.max(shape[0], maxX);
    maxY = Math.max(shape[1], maxY);
  }
  const scales = features.map((f) => inferScale(f, [maxX, maxY]));
  // The levels of the feature maps, knowing that the network always downsamples by 2 from one level to the next.
  const lvlMin = -tensor([scales[0]!]).log2().item();
  const lvlMax = -tensor([scales[scales.length - 1]!]).log2().item();
  return [scales, initLevelMapper(Math.trunc(lvlMin), Math.trunc(lvlMax), canonicalScale, canonicalLevel)];
}

export function multiscaleRoiAlign(xFiltered: readonly Tensor[], boxes: readonly Tensor[], outputSize: readonly [number, number],
  samplingRatio: number, scales: readonly number[], mapper: LevelMapper): Tensor {
  const numLevels = xFiltered.length;
  const rois = convertToRoiFormat(boxes);
  if (numLevels === 1) return roiAlign(xFiltered[0]!, rois, outputSize, { spatialScale: scales[0]!, samplingRatio });
  const levels = mapper.call(boxes);
  const numRois = rois.shape[0]!;
  const numChannels = xFiltered[0]!.shape[1]!;
  const result = zeros([numRois, numChannels, ...outputSize], { dtype: xFiltered[0]!.dtype });
  xFiltered.forEach((perLevelFeature, level) => {
    const idxInLevel = levels.eq(level).nonzero().select(1, 0);
    const roisPerLevel = rois.index(idxInLevel);
    const resultIdxInLevel = roiAlign(perLevelFeature, roisPerLevel, outputSize, { spatialScale: scales[level]!, samplingRatio });
    const converted = resultIdxInLevel.to(result.dtype);
    result.indexPut_([idxInLevel], converted);
    // each level's pooled features are freed once copied into the result, as Python's loop frees them
    for (const t of new Set([converted, resultIdxInLevel, roisPerLevel, idxInLevel])) disposeTemporary(t);
  });
  return result;
}

export interface MultiScaleRoIAlignOptions {
  /** Default 224 (the s0 of the FPN paper's eq. 1). */
  canonicalScale?: number;
  /** Default 4 (the k0 of eq. 1). */
  canonicalLevel?: number;
}

/**
 * RoI Align over the feature maps named `featmapNames`. `forward(x, boxes, imageShapes)`: x the feature maps by
 * name, boxes one [L, 4] tensor per image in image coordinates, imageShapes each image's [height, width] (the
 * scales of the levels are inferred from these on the first call and kept, as torchvision does).
 */
export class MultiScaleRoIAlign extends Module {
  featmapNames: string[];
  samplingRatio: number;
  outputSize: [number, number];
  canonicalScale: number;
  canonicalLevel: number;
  declare scales: number[] | null;
  declare mapLevels: LevelMapper | null;

  constructor(featmapNames: readonly string[], outputSize: number | readonly number[], samplingRatio: number,
    opts: MultiScaleRoIAlignOptions = {}) {
    [featmapNames, outputSize, samplingRatio, opts = {}] = bindOwn(MultiScaleRoIAlign, arguments) as ConstructorParameters<typeof MultiScaleRoIAlign>;
    super();
    const os = typeof outputSize === 'number' ? [outputSize, outputSize] : [...outputSize];
    if (os.length !== 2 || !os.every((v) => Number.isInteger(v) && v > 0)) {
      throw new TypeError(`MultiScaleRoIAlign: outputSize must be a positive integer or a pair of them, got ${JSON.stringify(outputSize)}`);
    }
    this.featmapNames = [...featmapNames];
    this.samplingRatio = samplingRatio;
    this.outputSize = [os[0]!, os[1]!];
    this.canonicalScale = opts.canonicalScale ?? 224;
    this.canonicalLevel = opts.canonicalLevel ?? 4;
    // Computed on the first forward.
    Object.defineProperty(this, 'scales', { value: null, writable: true, enumerable: false });
    Object.defineProperty(this, 'mapLevels', { value: null, writable: true, enumerable: false });
  }

  override forward(x: FeatureMaps, boxes: readonly Tensor[], imageShapes: readonly (readonly [number, number])[]): Tensor {
    const xFiltered = featureEntries(x).filter(([k]) => this.featmapNames.includes(k)).map(([, v]) => v);
    if (xFiltered.length === 0) {
      throw new RangeError(`MultiScaleRoIAlign: none of the feature maps ${JSON.stringify(this.featmapNames)} is in the input (${JSON.stringify(featureEntries(x).map(([k]) => k))})`);
    }
    boxes.forEach((b, i) => {
      if (!(b instanceof Tensor) || b.ndim !== 2 || b.shape[1] !== 4) throw new RangeError(`MultiScaleRoIAlign: boxes[${i}] must have shape [L, 4]`);
    });
    if (this.scales === null || this.mapLevels === null) {
      [this.scales, this.mapLevels] = setupScales(xFiltered, imageShapes, this.canonicalScale, this.canonicalLevel);
    }
    return multiscaleRoiAlign(xFiltered, boxes, this.outputSize, this.samplingRatio, this.scales, this.mapLevels);
  }

  override extraRepr(): string {
    return `featmap_names=[${this.featmapNames.map((n) => `'${n}'`).join(', ')}], output_size=(${this.outputSize.join(', ')}), sampling_ratio=${this.samplingRatio}`;
  }
}
classArgs(MultiScaleRoIAlign, 'torchvision.ops.MultiScaleRoIAlign', 'featmapNames, outputSize, samplingRatio; *, canonicalScale, canonicalLevel');
