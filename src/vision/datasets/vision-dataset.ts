// torchvision's VisionDataset: a map-style dataset with a root folder, a transform for the input and a
// targetTransform for the target, or one transforms for both together.
import { Dataset } from '../../data/dataset.js';
import { bindCtor } from '../../args.js';
import { applyTransform, type TransformLike } from '../transforms/transforms.js';

export interface VisionDatasetOptions {
  root: string;
  /** Applied to each image (an RGBImage) before it is returned. */
  transform?: TransformLike | null;
  /** Applied to each target. */
  targetTransform?: TransformLike | null;
  /**
   * Applied to each (image, target) pair together: detection and segmentation transforms that move boxes and masks
   * with the image. Excludes transform and targetTransform (torchvision's `transforms`).
   */
  transforms?: JointTransform | null;
}

/** A transform of an (image, target) pair: a function, or an object with call(image, target). */
export type JointTransform<I = any, T = any, I2 = any, T2 = any> = ((img: I, target: T) => [I2, T2]) | { call(img: I, target: T): [I2, T2] };

export function applyJointTransform<I, T, I2, T2>(t: JointTransform<I, T, I2, T2>, img: I, target: T): [I2, T2] {
  return typeof t === 'function' ? t(img, target) : t.call(img, target);
}

/** A data set constructor's arguments as one options object, bound to the class's registered signature. */
export function datasetOptions<O>(cls: abstract new (...a: any[]) => unknown, args: unknown[]): O {
  const [o = {}] = bindCtor(cls, args) as [O | undefined];
  return o as O;
}

export abstract class VisionDataset<I = any, Tg = any> extends Dataset<[I, Tg]> {
  readonly root: string;
  transform: TransformLike | null;
  targetTransform: TransformLike | null;
  transforms: JointTransform | null;

  constructor(opts: VisionDatasetOptions) {
    super();
    if (!opts || typeof opts.root !== 'string' || opts.root === '') throw new TypeError(`${new.target.name}: the root option (a folder path) is required`);
    this.root = opts.root;
    this.transform = opts.transform ?? null;
    this.targetTransform = opts.targetTransform ?? null;
    this.transforms = opts.transforms ?? null;
    if (this.transforms !== null && (this.transform !== null || this.targetTransform !== null)) {
      throw new TypeError(`${new.target.name}: only transforms or transform/targetTransform can be passed as argument`);
    }
  }

  protected sample(img: unknown, target: unknown): [I, Tg] {
    if (this.transforms) return applyJointTransform(this.transforms, img, target) as [I, Tg];
    return [
      (this.transform ? applyTransform(this.transform, img) : img) as I,
      (this.targetTransform ? applyTransform(this.targetTransform, target) : target) as Tg,
    ];
  }

  protected extraRepr(): string[] { return []; }

  override toString(): string {
    const lines = [`Number of datapoints: ${this.length}`, `Root location: ${this.root}`, ...this.extraRepr()];
    if (this.transform) lines.push(`Transform: ${String(typeof this.transform === 'function' ? `<function ${this.transform.name || 'anonymous'}>` : this.transform).replaceAll('\n', '\n' + ' '.repeat(11))}`);
    if (this.targetTransform) lines.push(`Target transform: ${String(this.targetTransform)}`);
    if (this.transforms) lines.push(`Transforms: ${String(typeof this.transforms === 'function' ? `<function ${this.transforms.name || 'anonymous'}>` : this.transforms)}`);
    return [`Dataset ${this.constructor.name}`, ...lines.map((l) => '    ' + l)].join('\n');
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }
}
