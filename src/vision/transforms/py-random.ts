// Python's `random` module (CPython's Mersenne Twister, its integer seeding, random(), getrandbits, randint, shuffle
// and choices), which torchvision's RandomOrder and RandomChoice draw from, and so do torchvision's reference
// training scripts (references/segmentation/transforms.py: random sizes and flips): after pyRandom.seed(n) (Python:
// random.seed(n)) they pick what torchvision picks. Torch's own generator is not involved. One module-level
// generator serves both, as Python's `random` module does.
import { randomBytes } from 'node:crypto';
import { bindCtor, classArgs } from '../../args.js';

const N = 624, M = 397;
const UPPER = 0x80000000, LOWER = 0x7fffffff, MATRIX_A = 0x9908b0df;

export class PyRandom {
  private mt = new Uint32Array(N);
  private mti = N + 1;

  /** Python's random.Random(x=None): seeded with x, or from the OS when absent. */
  constructor(seed?: number | bigint) {
    [seed] = bindCtor(PyRandom, arguments) as [number | bigint | undefined];
    this.seed(seed);
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      // 1812433253 * prev + i, in 32 bits
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = N;
  }

  private initByArray(key: Uint32Array): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1, j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++; j++;
      if (i >= N) { mt[0] = mt[N - 1]!; i = 1; }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) { mt[0] = mt[N - 1]!; i = 1; }
    }
    mt[0] = 0x80000000;
  }

  /** random.seed(n): an integer seeds through its 32-bit words (|n|, as CPython); none draws one from the OS. */
  seed(n?: number | bigint): void {
    let v: bigint;
    if (n === undefined) v = BigInt('0x' + randomBytes(32).toString('hex'));
    else {
      if (typeof n === 'number' && !Number.isInteger(n)) throw new TypeError(`pyRandom.seed: expected an integer, got ${n}`);
      v = BigInt(n);
      if (v < 0n) v = -v;
    }
    const words: number[] = [];
    do { words.push(Number(v & 0xffffffffn)); v >>= 32n; } while (v > 0n);
    this.initByArray(Uint32Array.from(words));
  }

  private genrand(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      for (; kk < N - M; kk++) {
        const y = (mt[kk]! & UPPER) | (mt[kk + 1]! & LOWER);
        mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      for (; kk < N - 1; kk++) {
        const y = (mt[kk]! & UPPER) | (mt[kk + 1]! & LOWER);
        mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      const y = (mt[N - 1]! & UPPER) | (mt[0]! & LOWER);
      mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** random.random(): a float in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.genrand() >>> 5, b = this.genrand() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** random.getrandbits(k), for k <= 53. */
  getrandbits(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > 53) throw new RangeError(`pyRandom.getrandbits: k must be 0 to 53 here, got ${k}`);
    if (k === 0) return 0;
    if (k <= 32) return this.genrand() >>> (32 - k);
    const lo = this.genrand();
    const hi = this.genrand() >>> (64 - k);
    return hi * 4294967296 + lo;
  }

  /** random._randbelow(n): uniform in [0, n) by rejection on n's bit length. */
  randbelow(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`pyRandom.randbelow: n must be a positive integer, got ${n}`);
    const k = n.toString(2).length;
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** random.randint(a, b): an integer in [a, b], both included (randrange(a, b + 1)). */
  randint(a: number, b: number): number {
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw new TypeError(`pyRandom.randint: integers expected, got ${a}, ${b}`);
    const width = b + 1 - a;
    if (width <= 0) throw new RangeError(`empty range for randrange() (${a}, ${b + 1}, ${width})`);
    return a + this.randbelow(width);
  }

  /** random.shuffle(x), in place. */
  shuffle<T>(x: T[]): T[] {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      [x[i], x[j]] = [x[j]!, x[i]!];
    }
    return x;
  }

  /** random.choices(population, weights, k=k). */
  choices<T>(population: readonly T[], weights: readonly number[] | null = null, k = 1): T[] {
    const n = population.length;
    if (n === 0) throw new RangeError('pyRandom.choices: cannot choose from an empty population');
    if (weights === null) return Array.from({ length: k }, () => population[Math.floor(this.random() * n)]!);
    if (weights.length !== n) throw new RangeError('The number of weights does not match the population');
    const cum: number[] = [];
    let acc = 0;
    for (const w of weights) cum.push((acc += w));
    const total = cum[n - 1]! + 0.0;
    if (total <= 0) throw new RangeError('Total of weights must be greater than zero');
    if (!Number.isFinite(total)) throw new RangeError('Total of weights must be finite');
    const hi = n - 1;
    return Array.from({ length: k }, () => {
      // bisect.bisect_right(cum, random() * total, 0, hi)
      const x = this.random() * total;
      let lo = 0, h = hi;
      while (lo < h) { const mid = (lo + h) >> 1; if (x < cum[mid]!) h = mid; else lo = mid + 1; }
      return population[lo]!;
    });
  }
}
classArgs(PyRandom, 'random.Random', 'x?');

/** The generator of Python's `random` module as torchvision's transforms use it (seed it as `random.seed(n)`). */
export const pyRandom = new PyRandom();
