// torchvision.models.detection.anchor_utils.DefaultBoxGenerator: SSD's default boxes (Liu et al. 2016, page 6)
// for a set of feature maps. Each location of feature map k gets two square boxes (scale s_k and
// sqrt(s_k * s_k+1)) and two boxes per aspect ratio (w = s_k * sqrt(ar), h = s_k / sqrt(ar) and its transpose),
// tiled at the map's step. The arithmetic (float32 centres from an int64 arange, int64 image size) is
// torchvision's, so the boxes are its bit for bit.
import { Module } from '../../../nn/module.js';
import { Tensor } from '../../../tensor.js';
import { arange, cat, meshgrid, stack, tensor } from '../../../creation.js';
import { pyFloat } from '../../../nn/modules/repr.js';
import { bindOwn, classArgs, type PyRest } from '../../../args.js';

/** What DefaultBoxGenerator reads of an ImageList: the padded batch and the images' sizes. */
export interface ImageListLike {
  tensors: Tensor;
  imageSizes: readonly (readonly [number, number] | readonly number[])[];
}

export interface DefaultBoxGeneratorOptions {
  /** Smallest scale s_min, used when `scales` is not given (default 0.15). */
  minRatio?: number;
  /** Largest scale s_max, used when `scales` is not given (default 0.9). */
  maxRatio?: number;
  /** One scale per feature map plus one (default: spread evenly between minRatio and maxRatio, then 1.0). */
  scales?: number[] | null;
  /** The tiling step of each feature map in pixels (default: the feature map's own grid). */
  steps?: number[] | null;
  /** Clip the (cx, cy, w, h) sizes to [0, 1] (default true). */
  clip?: boolean;
}

export class DefaultBoxGenerator extends Module {
  declare readonly aspectRatios: number[][];
  declare readonly steps: number[] | null;
  declare readonly clip: boolean;
  declare readonly scales: number[];
  /** Per feature map, the [2 + 2 * ratios, 2] (w, h) pairs relative to the image size. */
  private declare readonly whPairs: Tensor[];

  constructor(aspectRatios: number[][], ...rest: PyRest<DefaultBoxGeneratorOptions, ['minRatio', 'maxRatio', 'scales', 'steps', 'clip']>);
  constructor(...args: unknown[]) {
    const [aspectRatios, opts = {}] = bindOwn(DefaultBoxGenerator, args) as [number[][], DefaultBoxGeneratorOptions?];
    super();
    if (!Array.isArray(aspectRatios) || !aspectRatios.every((r) => Array.isArray(r) && r.every((v) => typeof v === 'number'))) {
      throw new TypeError('DefaultBoxGenerator: aspectRatios must be a list of lists of numbers, one per feature map');
    }
    const steps = opts.steps ?? null;
    if (steps !== null && aspectRatios.length !== steps.length) throw new RangeError('DefaultBoxGenerator: aspectRatios and steps should have the same length');
    const minRatio = opts.minRatio ?? 0.15;
    const maxRatio = opts.maxRatio ?? 0.9;
    const numOutputs = aspectRatios.length;
    let scales: number[];
    if (opts.scales === undefined || opts.scales === null) {
      if (numOutputs > 1) {
        const rangeRatio = maxRatio - minRatio;
        scales = Array.from({ length: numOutputs }, (_, k) => minRatio + (rangeRatio * k) / (numOutputs - 1.0));
        scales.push(1.0);
      } else {
        scales = [minRatio, maxRatio];
      }
    } else {
      scales = [...opts.scales];
    }
    if (scales.length < numOutputs + 1) {
      throw new RangeError(`DefaultBoxGenerator: scales needs ${numOutputs + 1} values (one per feature map plus one), got ${scales.length}`);
    }
    const hidden = (k: string, v: unknown) => Object.defineProperty(this, k, { value: v, enumerable: false, writable: false });
    hidden('aspectRatios', aspectRatios.map((r) => [...r]));
    hidden('steps', steps === null ? null : [...steps]);
    hidden('clip', opts.clip ?? true);
    hidden('scales', scales);
    hidden('whPairs', this.generateWhPairs(numOutputs));
  }

  private generateWhPairs(numOutputs: number): Tensor[] {
    const out: Tensor[] = [];
    for (let k = 0; k < numOutputs; k++) {
      const sK = this.scales[k]!;
      const sPrimeK = Math.sqrt(this.scales[k]! * this.scales[k + 1]!);
      const pairs: number[][] = [[sK, sK], [sPrimeK, sPrimeK]];
      for (const ar of this.aspectRatios[k]!) {
        const sqAr = Math.sqrt(ar);
        const w = this.scales[k]! * sqAr;
        const h = this.scales[k]! / sqAr;
        pairs.push([w, h], [h, w]);
      }
      out.push(tensor(pairs, { dtype: 'float32' }));
    }
    return out;
  }

  /** Default boxes per location of each feature map: 2 + 2 * (its number of aspect ratios). */
  numAnchorsPerLocation(): number[] {
    return this.aspectRatios.map((r) => 2 + 2 * r.length);
  }

  /** All default boxes in (cx, cy, w, h), relative to the image size, feature map by feature map. */
  gridDefaultBoxes(gridSizes: number[][], imageSize: readonly number[], dtype: Tensor['dtype'] | 'float32' = 'float32'): Tensor {
    const defaultBoxes: Tensor[] = [];
    gridSizes.forEach((fK, k) => {
      let xFK: number; let yFK: number;
      if (this.steps !== null) {
        xFK = imageSize[1]! / this.steps[k]!;
        yFK = imageSize[0]! / this.steps[k]!;
      } else {
        [yFK, xFK] = fK as [number, number];
      }
      const shiftsX = arange(0, fK[1]!, { dtype: 'int64' }).add(0.5).div(xFK).to(dtype as never);
      const shiftsY = arange(0, fK[0]!, { dtype: 'int64' }).add(0.5).div(yFK).to(dtype as never);
      const [shiftY, shiftX] = meshgrid([shiftsY, shiftsX], 'ij') as [Tensor, Tensor];
      const sx = shiftX.reshape(-1);
      const sy = shiftY.reshape(-1);
      const n = this.whPairs[k]!.shape[0]!;
      const parts: Tensor[] = [];
      for (let i = 0; i < n; i++) parts.push(sx, sy);
      const shifts = stack(parts, -1).reshape(-1, 2);
      // clipping the default boxes while they are in (cx, cy, w, h)
      const whPair = this.clip ? this.whPairs[k]!.clamp(0, 1) : this.whPairs[k]!;
      const whPairs = whPair.repeat(fK[0]! * fK[1]!, 1);
      defaultBoxes.push(cat([shifts, whPairs], 1));
    });
    return cat(defaultBoxes, 0);
  }

  /** One [A, 4] tensor of (x1, y1, x2, y2) boxes in the padded batch's pixels per image. */
  override forward(imageList: ImageListLike, featureMaps: Tensor[]): Tensor[] {
    const gridSizes = featureMaps.map((f) => f.shape.slice(-2));
    const imageSize = imageList.tensors.shape.slice(-2);
    const dtype = featureMaps[0]!.dtype;
    const defaultBoxes = this.gridDefaultBoxes(gridSizes, imageSize, dtype).to(featureMaps[0]!.device);
    const xySize = tensor([imageSize[1]!, imageSize[0]!], { dtype: 'int64' });
    const dboxes: Tensor[] = [];
    const ctr = defaultBoxes.index(':', ':2');
    const half = defaultBoxes.index(':', '2:').mul(0.5);
    for (let i = 0; i < imageList.imageSizes.length; i++) {
      dboxes.push(cat([ctr.sub(half).mul(xySize), ctr.add(half).mul(xySize)], -1));
    }
    return dboxes;
  }

  override toString(): string {
    const ints = (v: number[]) => `[${v.map((x) => (Number.isInteger(x) ? String(x) : pyFloat(x))).join(', ')}]`;
    const scales = `[${this.scales.map(pyFloat).join(', ')}]`;
    return `DefaultBoxGenerator(aspect_ratios=[${this.aspectRatios.map(ints).join(', ')}], clip=${this.clip ? 'True' : 'False'}, scales=${scales}, steps=${this.steps === null ? 'None' : ints(this.steps)})`;
  }
}
classArgs(DefaultBoxGenerator, 'torchvision.models.detection.DefaultBoxGenerator', 'aspectRatios; minRatio, maxRatio, scales, steps, clip');
