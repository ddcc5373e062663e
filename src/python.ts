// Python builtins a PyTorch port reaches for, where JavaScript has no equivalent: `len(x)`, `torch.is_tensor`.
import { Tensor } from './tensor.js';
import { withArgs } from './args.js';

/** torch.is_tensor(obj) */
export const isTensor = withArgs('isTensor', 'torch.is_tensor', 'obj:dict', (obj: unknown): obj is Tensor => obj instanceof Tensor);

/**
 * Python's len(): the size of a tensor's first dimension, a data set's or data loader's `length`, an array's or
 * string's length, a Map's or Set's size. Anything else is a TypeError, as in Python.
 */
export const len = withArgs('len', 'len', 'obj:dict', (obj: unknown): number => {
  if (obj instanceof Tensor) return obj.length;
  if (typeof obj === 'string' || Array.isArray(obj) || ArrayBuffer.isView(obj)) return (obj as { length: number }).length;
  if (obj instanceof Map || obj instanceof Set) return obj.size;
  if (obj !== null && typeof obj === 'object' && 'length' in obj && typeof (obj as { length: unknown }).length === 'number') {
    return (obj as { length: number }).length;
  }
  throw new TypeError(`object of type '${obj === null ? 'null' : typeof obj === 'object' ? (obj as object).constructor?.name : typeof obj}' has no len()`);
});

/**
 * The digits of a double's exact value (every double is a finite decimal): [digits, pointPosition, sign], so
 * that rounding to a precision can be Python's (round-half-even on the exact value) rather than toFixed's.
 */
function exactDecimal(x: number): { digits: string; point: number; negative: boolean } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = (bits >> 63n) === 1n;
  const exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e: number;
  if (exp === 0) e = -1074; else { mant |= 1n << 52n; e = exp - 1075; }
  if (e >= 0) return { digits: (mant << BigInt(e)).toString(), point: (mant << BigInt(e)).toString().length, negative };
  const k = -e;
  const digits = (mant * 5n ** BigInt(k)).toString().padStart(k + 1, '0');
  return { digits, point: digits.length - k, negative };
}

/** x with `precision` digits after the point, rounded half-to-even on its exact value, as Python's '%.nf'. */
function fixed(x: number, precision: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const { digits, point, negative } = exactDecimal(x);
  const keep = point + precision;
  let intDigits: bigint;
  if (keep < 0) intDigits = 0n;
  else {
    const head = digits.slice(0, keep) || '0';
    const rest = digits.slice(keep);
    intDigits = BigInt(head);
    const firstRest = rest.length ? Number(rest[0]) : 0;
    const tail = rest.slice(1).replace(/0+$/, '');
    if (firstRest > 5 || (firstRest === 5 && (tail.length > 0 || (intDigits & 1n) === 1n))) intDigits += 1n;
  }
  let s = intDigits.toString().padStart(precision + 1, '0');
  s = precision > 0 ? `${s.slice(0, s.length - precision)}.${s.slice(s.length - precision)}` : s;
  return (negative ? '-' : '') + s;
}

/**
 * Python's format(value, spec) for the format specs PyTorch code prints with: `[[fill]align][sign][0][width]
 * [,][.precision][type]`, types d, f, e, g, %, s and none. Numbers round as Python rounds (half-to-even on the
 * exact binary value: format(0.125, '.2f') is '0.12', where (0.125).toFixed(2) is '0.13'). A one-element tensor
 * formats as its value, as Python's Tensor.__format__.
 */
export const format = withArgs('format', 'format', 'value:dict, spec?', (value: unknown, spec = ''): string => {
  if (value instanceof Tensor) value = value.ndim === 0 ? value.item() : value.toString();
  if (value === null || value === undefined) value = 'None';
  const m = /^(?:(.)?([<>^=]))?([+\- ])?(0)?(\d+)?(,)?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/.exec(spec);
  if (m === null) throw new TypeError(`format(): invalid format specifier '${spec}'`);
  const [, fillCh, align, sign = '-', zero, widthS, comma, precS, type] = m;
  const width = widthS === undefined ? 0 : Number(widthS);
  const precision = precS === undefined ? undefined : Number(precS);
  let body: string;
  let negative = false;
  if (typeof value === 'string') {
    body = precision === undefined ? value : value.slice(0, precision);
  } else if (typeof value === 'boolean' && type === undefined) {
    body = value ? 'True' : 'False';
  } else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    const num = typeof value === 'boolean' ? Number(value) : value;
    const isInt = typeof num === 'bigint' || (type === undefined && Number.isInteger(num) && typeof value !== 'number');
    const t = type ?? (isInt ? 'd' : '');
    negative = typeof num === 'bigint' ? num < 0n : num < 0 || Object.is(num, -0);
    const abs = typeof num === 'bigint' ? (num < 0n ? -num : num) : Math.abs(num);
    if (t === 'd' || t === 'n') {
      if (typeof abs === 'number' && !Number.isInteger(abs)) throw new TypeError(`format(): '${t}' needs an integer, got ${value}`);
      body = abs.toString();
    } else {
      const v = Number(abs);
      if (t === 'f' || t === 'F') body = fixed(v, precision ?? 6);
      else if (t === '%') body = `${fixed(v * 100, precision ?? 6)}%`;
      else if (t === 'e' || t === 'E') {
        const [mant, ex] = v.toExponential(precision ?? 6).split('e') as [string, string];
        body = `${mant}e${ex.startsWith('-') ? '-' : '+'}${ex.replace(/^[+-]/, '').padStart(2, '0')}`;
        if (t === 'E') body = body.toUpperCase();
      } else if (t === 'g' || t === 'G' || t === '') {
        if (t === '' && precision === undefined) body = pyRepr(v);
        else {
          const p = precision === undefined ? 6 : Math.max(precision, 1);
          const exp = v === 0 ? 0 : Math.floor(Math.log10(v));
          if (exp < -4 || exp >= p) {
            const [mant, ex] = v.toExponential(p - 1).split('e') as [string, string];
            body = `${t === '' ? mant : mant.replace(/\.?0+$/, '')}e${ex.startsWith('-') ? '-' : '+'}${ex.replace(/^[+-]/, '').padStart(2, '0')}`;
          } else {
            // 'g' drops trailing zeros; Python's '' type keeps one digit after the point
            body = fixed(v, Math.max(p - 1 - exp, 0));
            if (body.includes('.')) body = body.replace(/\.?0+$/, '');
            if (t === '' && !body.includes('.')) body += '.0';
          }
          if (t === 'G') body = body.toUpperCase();
        }
      } else throw new TypeError(`format(): unsupported format type '${t}' for a number`);
    }
    if (comma) {
      const [i, f] = body.split('.') as [string, string | undefined];
      body = i.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (f === undefined ? '' : `.${f}`);
    }
    const signStr = negative ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
    if (zero && align === undefined) return signStr + body.padStart(Math.max(width - signStr.length, 0), '0');
    body = signStr + body;
  } else {
    body = String(value);
  }
  const fill = fillCh ?? ' ';
  const pad = Math.max(width - body.length, 0);
  const a = align ?? (typeof value === 'number' || typeof value === 'bigint' ? '>' : '<');
  if (a === '<') return body + fill.repeat(pad);
  if (a === '^') return fill.repeat(Math.floor(pad / 2)) + body + fill.repeat(Math.ceil(pad / 2));
  return fill.repeat(pad) + body;
});

/** Python's repr of a float: shortest round-trip digits, '.0' on integers, exponent form outside [1e-4, 1e16). */
function pyRepr(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  const [mant, expStr] = v.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(v);
}

/** Python's enumerate(iterable, start=0): [index, item] pairs, lazily (a DataLoader is not materialized). */
export const enumerate = withArgs('enumerate', 'enumerate', 'iterable, start?', function* <T>(iterable: Iterable<T>, start = 0): Generator<[number, T]> {
  let i = start;
  for (const x of iterable) yield [i++, x];
}) as <T>(iterable: Iterable<T>, start?: number) => Generator<[number, T]>;

/** Python's zip(*iterables): tuples of the i-th items, stopping at the shortest (tensors iterate over their rows). */
export const zip = withArgs('zip', 'zip', '...iterables', function* (...iterables: Iterable<unknown>[]): Generator<unknown[]> {
  const its = iterables.map((it) => it[Symbol.iterator]());
  for (;;) {
    const next = its.map((it) => it.next());
    if (next.some((r) => r.done)) return;
    yield next.map((r) => r.value);
  }
}) as <T extends unknown[]>(...iterables: { [K in keyof T]: Iterable<T[K]> }) => Generator<T>;

/** Python's range(stop) / range(start, stop, step?): the integers, lazily. */
export const range = withArgs('range', 'range', '...args', function* (...args: number[]): Generator<number> {
  if (args.length < 1 || args.length > 3 || args.some((a) => !Number.isInteger(a))) {
    throw new TypeError(`range() takes 1 to 3 integer arguments (stop, or start, stop, step), got ${args.join(', ')}`);
  }
  const [start, stop, step = 1] = args.length === 1 ? [0, args[0]!] : args as [number, number, number?];
  if (step === 0) throw new RangeError('range() arg 3 must not be zero');
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) yield i;
}) as (...args: [stop: number] | [start: number, stop: number, step?: number]) => Generator<number>;
