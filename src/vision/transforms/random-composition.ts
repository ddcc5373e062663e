// torchvision's RandomApply (all of a list, with probability p; torch's generator), RandomOrder (all of a list in
// a random order) and RandomChoice (one of a list, optionally weighted): the last two draw from Python's
// `random` module in torchvision, here from pyRandom (its generator), so both pick the same after the same seeds.
import { Transform, applyTransform, type TransformLike } from './transforms.js';
import { rand1 } from './draws.js';
import { pyRandom } from './py-random.js';
import { bindCtor, classArgs } from '../../args.js';

const describe = (t: TransformLike): string => (typeof t === 'function' ? `<function ${t.name || 'anonymous'}>` : String(t));

function checkList(transforms: unknown, what: string): TransformLike[] {
  if (!Array.isArray(transforms)) throw new TypeError('Argument transforms should be a sequence');
  transforms.forEach((t, i) => {
    if (typeof t !== 'function' && (t === null || typeof t !== 'object' || typeof (t as { call?: unknown }).call !== 'function')) {
      throw new TypeError(`${what}: transforms[${i}] is neither a function nor an object with call()`);
    }
  });
  return [...transforms] as TransformLike[];
}

/** Applies every transform of the list, in order, with probability p (default 0.5); else returns the input. */
export class RandomApply extends Transform {
  readonly transforms: TransformLike[];
  readonly p: number;
  constructor(transforms: readonly TransformLike[], p = 0.5) {
    super();
    const [t, p0 = 0.5] = bindCtor(RandomApply, arguments) as [readonly TransformLike[], number | undefined];
    transforms = t;
    p = p0;
    this.transforms = checkList(transforms, 'RandomApply');
    if (typeof p !== 'number' || Number.isNaN(p)) throw new TypeError(`RandomApply: p must be a number, got ${String(p)}`);
    this.p = p;
  }
  forward(img: any): any {
    // `if self.p < torch.rand(1)`: the comparison is in float32
    if (Math.fround(this.p) < rand1()) return img;
    for (const t of this.transforms) img = applyTransform(t, img);
    return img;
  }
  override toString(): string {
    return `RandomApply(\n    p=${this.p}${this.transforms.map((t) => `\n    ${describe(t)}`).join('')}\n)`;
  }
}

abstract class RandomTransforms extends Transform {
  readonly transforms: TransformLike[];
  constructor(transforms: readonly TransformLike[]) {
    super();
    // RandomOrder's own arguments (RandomChoice binds its two before passing transforms on)
    if (!(this instanceof RandomChoice)) [transforms] = bindCtor(RandomOrder, arguments) as [readonly TransformLike[]];
    this.transforms = checkList(transforms, this.constructor.name);
  }
  override toString(): string {
    return `${this.constructor.name}(${this.transforms.map((t) => `\n    ${describe(t)}`).join('')}\n)`;
  }
}

/** Applies every transform of the list in an order drawn by random.shuffle. */
export class RandomOrder extends RandomTransforms {
  forward(img: any): any {
    const order = pyRandom.shuffle(this.transforms.map((_, i) => i));
    for (const i of order) img = applyTransform(this.transforms[i]!, img);
    return img;
  }
}

/** Applies one transform of the list, drawn by random.choices (weighted by p when given). */
export class RandomChoice extends RandomTransforms {
  readonly p: number[] | null;
  constructor(transforms: readonly TransformLike[], p: readonly number[] | null = null) {
    const [t, p0 = null] = bindCtor(RandomChoice, arguments) as [readonly TransformLike[], readonly number[] | null | undefined];
    super(t);
    p = p0;
    if (p !== null && !Array.isArray(p)) throw new TypeError('Argument p should be a sequence');
    if (p !== null && p.length !== this.transforms.length) throw new RangeError('The number of weights does not match the population');
    this.p = p === null ? null : [...p];
  }
  forward(img: any): any {
    return applyTransform(pyRandom.choices(this.transforms, this.p)[0]!, img);
  }
  override toString(): string {
    return `${super.toString()}(p=${this.p === null ? 'None' : `[${this.p.join(', ')}]`})`;
  }
}

classArgs(RandomApply, 'torchvision.transforms.RandomApply', 'transforms, p?');
classArgs(RandomOrder, 'torchvision.transforms.RandomOrder', 'transforms');
classArgs(RandomChoice, 'torchvision.transforms.RandomChoice', 'transforms, p?');
