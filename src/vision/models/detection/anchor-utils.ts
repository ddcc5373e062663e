// torchvision.models.detection.anchor_utils.AnchorGenerator: anchors for every location of every feature map,
// `sizes[i].length * aspectRatios[i].length` per location of map i (aspect ratio = height / width). SSD's
// DefaultBoxGenerator lives in default-box-generator.ts.
import type { Tensor } from '../../../tensor.js';
import { arange, cat, meshgrid, stack, tensor } from '../../../creation.js';
import { Module } from '../../../nn/module.js';
import { normalizeDtype, type DTypeLike } from '../../../dtype.js';
import { keep } from '../../../memory.js';
import type { ImageList } from './image-list.js';
import { bindOwn, classArgs } from '../../../args.js';

export class AnchorGenerator extends Module {
  readonly sizes: number[][];
  readonly aspectRatios: number[][];
  declare cellAnchors: Tensor[];

  /** sizes: one list per feature map (or one size per map); aspectRatios: one list per map (or one for all). */
  constructor(sizes: readonly (number | readonly number[])[] = [[128, 256, 512]],
    aspectRatios: readonly (number | readonly number[])[] = [[0.5, 1.0, 2.0]]) {
    [sizes = [[128, 256, 512]], aspectRatios = [[0.5, 1.0, 2.0]]] = bindOwn(AnchorGenerator, arguments) as ConstructorParameters<typeof AnchorGenerator>;
    super();
    const s = sizes.map((x) => (typeof x === 'number' ? [x] : [...x]));
    const a = typeof aspectRatios[0] === 'number'
      ? s.map(() => (aspectRatios as number[]).slice())
      : (aspectRatios as number[][]).map((x) => [...x]);
    if (s.length !== a.length) {
      throw new RangeError(`AnchorGenerator: ${s.length} lists of sizes but ${a.length} lists of aspect ratios; there must be one of each per feature map`);
    }
    this.sizes = s;
    this.aspectRatios = a;
    // Module state that outlives any tidy scope the module is built or called in (as a buffer would).
    Object.defineProperty(this, 'cellAnchors', {
      value: keep(s.map((size, i) => this.generateAnchors(size, a[i]!))), writable: true, enumerable: false,
    });
  }

  /** Zero-centred anchors [A, 4] (x1, y1, x2, y2), rounded, for scales x aspect ratios. */
  generateAnchors(scales: readonly number[], aspectRatios: readonly number[], dtype: DTypeLike = 'float32'): Tensor {
    const sc = tensor([...scales], { dtype });
    const ar = tensor([...aspectRatios], { dtype });
    const hRatios = ar.sqrt();
    // Python's `1 / t` is reciprocal(t) * 1.
    const wRatios = hRatios.reciprocal().mul(1);
    const ws = wRatios.unsqueeze(1).mul(sc.unsqueeze(0)).view(-1);
    const hs = hRatios.unsqueeze(1).mul(sc.unsqueeze(0)).view(-1);
    return stack([ws.neg(), hs.neg(), ws, hs], 1).div(2).round();
  }

  setCellAnchors(dtype: DTypeLike): void {
    const want = normalizeDtype(dtype);
    if (this.cellAnchors.every((c) => c.dtype === want)) return;
    this.cellAnchors = keep(this.cellAnchors.map((c) => c.to(want)));
  }

  numAnchorsPerLocation(): number[] {
    return this.sizes.map((s, i) => s.length * this.aspectRatios[i]!.length);
  }

  /** For each feature map: its cell anchors shifted to every location, [H*W*A, 4]. */
  gridAnchors(gridSizes: readonly (readonly number[])[], strides: readonly (readonly number[])[]): Tensor[] {
    if (!(gridSizes.length === strides.length && strides.length === this.cellAnchors.length)) {
      throw new RangeError('Anchors should be Tuple[Tuple[int]] because each feature map could potentially have different sizes and '
        + 'aspect ratios. There needs to be a match between the number of feature maps passed and the number of sizes / aspect '
        + `ratios specified (${gridSizes.length} feature maps, ${this.cellAnchors.length} anchor settings).`);
    }
    return gridSizes.map((size, i) => {
      const [gridHeight, gridWidth] = size as [number, number];
      const [strideHeight, strideWidth] = strides[i] as [number, number];
      const baseAnchors = this.cellAnchors[i]!;
      const shiftsX = arange(0, gridWidth, { dtype: 'int32' }).mul(strideWidth);
      const shiftsY = arange(0, gridHeight, { dtype: 'int32' }).mul(strideHeight);
      const [shiftY, shiftX] = meshgrid([shiftsY, shiftsX], 'ij') as [Tensor, Tensor];
      const sx = shiftX.reshape(-1);
      const sy = shiftY.reshape(-1);
      const shifts = stack([sx, sy, sx, sy], 1);
      return shifts.view(-1, 1, 4).add(baseAnchors.view(1, -1, 4)).reshape(-1, 4);
    });
  }

  /** The anchors of every image of the batch, all feature maps concatenated: one [sum(H*W*A), 4] per image. */
  override forward(imageList: ImageList, featureMaps: readonly Tensor[]): Tensor[] {
    const gridSizes = featureMaps.map((f) => f.shape.slice(-2));
    const imageSize = imageList.tensors.shape.slice(-2);
    const strides = gridSizes.map((g) => [Math.floor(imageSize[0]! / g[0]!), Math.floor(imageSize[1]! / g[1]!)]);
    this.setCellAnchors(featureMaps[0]!.dtype);
    const anchorsOverAllFeatureMaps = this.gridAnchors(gridSizes, strides);
    return imageList.imageSizes.map(() => cat(anchorsOverAllFeatureMaps));
  }
}
classArgs(AnchorGenerator, 'torchvision.models.detection.AnchorGenerator', 'sizes?, aspectRatios?');
