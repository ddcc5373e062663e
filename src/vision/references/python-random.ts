import { bindOwn, classArgs } from '../../args.js';
// CPython's `random` module (Mersenne Twister MT19937, init_by_array seeding from an int, random() from 53 bits,
// randint through getrandbits rejection sampling), so that code written against Python's random draws the same
// numbers: torchvision's reference training scripts (references/segmentation/transforms.py) draw their random
// sizes and flips from it, not from torch's generator.

const N = 624;
const M = 397;

export class PythonRandom {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;

  /** Seeded as Python seeds itself at start-up (from the clock and the process here: not reproducible). */
  constructor(seed?: number | bigint) {
    [seed] = bindOwn(PythonRandom, arguments) as ConstructorParameters<typeof PythonRandom>;
    this.seed(seed ?? BigInt(Date.now()) * 1000003n + BigInt(process.pid) + BigInt(Math.floor(Math.random() * 2 ** 32)));
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

  private initByArray(key: readonly number[]): void {
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
    mt[0] = 0x80000000; // MSB is 1, assuring a non-zero initial array
    this.mti = N;
  }

  /** random.seed(n) for an integer n: its absolute value's 32-bit words, least significant first, as the key. */
  seed(a: number | bigint): void {
    if (typeof a === 'number' && !Number.isInteger(a)) throw new TypeError(`PythonRandom.seed: an integer seed is expected, got ${a}`);
    let n = BigInt(a);
    if (n < 0n) n = -n;
    const key: number[] = [];
    do {
      key.push(Number(n & 0xffffffffn));
      n >>= 32n;
    } while (n > 0n);
    this.initByArray(key);
  }

  private genrandUint32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      const mix = (a: number, b: number): number => (a & 0x80000000) | (b & 0x7fffffff);
      for (; kk < N - M; kk++) {
        const y = mix(mt[kk]!, mt[kk + 1]!);
        mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      for (; kk < N - 1; kk++) {
        const y = mix(mt[kk]!, mt[kk + 1]!);
        mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      const y = mix(mt[N - 1]!, mt[0]!);
      mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
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
    const a = this.genrandUint32() >>> 5, b = this.genrandUint32() >>> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  /** random.getrandbits(k) for 0 <= k <= 53 (what randint needs for any safe integer range). */
  getrandbits(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > 53) throw new RangeError(`PythonRandom.getrandbits: k must be an integer in [0, 53], got ${k}`);
    if (k === 0) return 0;
    if (k <= 32) return this.genrandUint32() >>> (32 - k);
    // CPython fills 32-bit words from the least significant one; the last word keeps its top bits
    const lo = this.genrandUint32();
    const hi = this.genrandUint32() >>> (64 - k);
    return hi * 2 ** 32 + lo;
  }

  /** A random integer in [0, n) by rejection sampling on n.bit_length() bits (Python 3.11's _randbelow). */
  private randbelow(n: number): number {
    const k = Math.floor(Math.log2(n)) + 1;
    let bits = k;
    // Math.log2 can be off by one ulp near powers of two; CPython uses the exact bit length
    if (2 ** (bits - 1) > n) bits--;
    else if (2 ** bits <= n) bits++;
    let r = this.getrandbits(bits);
    while (r >= n) r = this.getrandbits(bits);
    return r;
  }

  /** random.randint(a, b): an integer in [a, b], both included. */
  randint(a: number, b: number): number {
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw new TypeError(`PythonRandom.randint: integers expected, got ${a}, ${b}`);
    const width = b + 1 - a;
    if (width <= 0) throw new RangeError(`empty range for randrange() (${a}, ${b + 1}, ${width})`);
    return a + this.randbelow(width);
  }
}
classArgs(PythonRandom, 'tstorch.vision.references.PythonRandom', 'seed?');

/** The module-level generator, as Python's `random` module: `random.seed(0)` makes the references' draws reproducible. */
export const random = new PythonRandom();
