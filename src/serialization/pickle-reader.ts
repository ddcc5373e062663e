// A pickle parser that executes nothing. Python's pickle runs arbitrary callables named in the stream
// (GLOBAL + REDUCE); here every global is looked up in a caller-supplied whitelist of pure JavaScript
// constructors, and any other name is refused before anything is built. All protocols (0-5) are parsed.
import { Cursor, SerializationError } from './byte-source.js';

/** A Python callable or class that a whitelist allows: `call` builds a value from the REDUCE/NEWOBJ arguments. */
export interface PyCallable {
  readonly qualname: string;
  call(args: unknown[]): unknown;
}

/** A value that takes BUILD state (Python's __setstate__ / instance __dict__ update). */
export interface PyStateful {
  setState(state: unknown): void;
}

/** How deep containers may nest: deeper than Python's pickler can write (its recursion limit is 1000). */
export const MAX_DEPTH = 1000;

// Python's lists and tuples are both arrays here; what tells them apart is where they were made. Lists are
// unhashable and take APPEND; tuples are hashable (dict keys) and are the argument lists of REDUCE and NEWOBJ.
const LISTS = new WeakSet<unknown[]>();
/** Marks an array as a Python list (made by EMPTY_LIST or LIST). */
export function markList<T extends unknown[]>(a: T): T { LISTS.add(a); return a; }
export function isPyList(v: unknown): v is unknown[] { return Array.isArray(v) && LISTS.has(v); }
// bytearray is unhashable too; bytes are hashable by value
const BYTEARRAYS = new WeakSet<Uint8Array>();
export function markByteArray(b: Uint8Array): Uint8Array { BYTEARRAYS.add(b); return b; }

/**
 * Python's hash equality for dict keys and set items, as a canonical JavaScript Map key: 1, 1.0, True and 1n are
 * one key; equal strings, bytes, tuples (element by element) and frozensets are one key; other objects (tensors)
 * are keys by identity; NaN is never equal to another NaN. Tuples are hashed once each (structure shared by a
 * DAG of tuples costs its size, not its unfolded size) and nested at most MAX_DEPTH deep.
 */
export class KeyHasher {
  private readonly ids = new WeakMap<object, string>();
  private readonly interned = new Map<string, string>();
  private next = 0;

  constructor(private readonly where: string) {}

  private unhashable(type: string): never {
    throw new SerializationError(`${this.where}: corrupt pickle: unhashable type: '${type}' used as a dict key or set item`);
  }

  private intern(s: string): string {
    let id = this.interned.get(s);
    if (id === undefined) {
      id = `#${this.next++}`;
      this.interned.set(s, id);
    }
    return id;
  }

  /** The canonical key: a string for values hashed by value, the object itself for values hashed by identity. */
  key(k: unknown, depth = 0): unknown {
    if (k === null) return 'N';
    switch (typeof k) {
      case 'boolean': return k ? 'i1' : 'i0';
      case 'bigint': return `i${k}`;
      case 'string': return `s${k}`;
      case 'number':
        if (Number.isNaN(k)) return Symbol('nan');
        return Number.isInteger(k) ? `i${Object.is(k, -0) ? 0 : BigInt(k)}` : `f${k}`;
      default: break;
    }
    if (k instanceof Py2Bytes) return `s${k.toString()}`;
    if (depth >= MAX_DEPTH) throw new SerializationError(`${this.where}: a dict key or set item is nested more than ${MAX_DEPTH} levels deep`);
    if (k instanceof Uint8Array) {
      if (BYTEARRAYS.has(k)) this.unhashable('bytearray');
      return `b${Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString('hex')}`;
    }
    if (Array.isArray(k)) {
      if (LISTS.has(k)) this.unhashable('list');
      let id = this.ids.get(k);
      if (id === undefined) {
        id = `t${this.intern(k.map((e) => this.part(e, depth + 1)).join(','))}`;
        this.ids.set(k, id);
      }
      return id;
    }
    if (k instanceof PyDict) this.unhashable('dict');
    if (k instanceof PySet) {
      if (!k.frozen) this.unhashable('set');
      let id = this.ids.get(k);
      if (id === undefined) {
        id = `F${this.intern([...k.keys()].map((e) => this.part(e, depth + 1)).sort().join(','))}`;
        this.ids.set(k, id);
      }
      return id;
    }
    return k;
  }

  /** A key as a string inside a tuple's or frozenset's key. */
  private part(e: unknown, depth: number): string {
    const c = this.key(e, depth);
    if (typeof c === 'string') return c;
    if (typeof c === 'symbol') return `x${this.next++}`;
    let id = this.ids.get(c as object);
    if (id === undefined) {
      id = `o${this.next++}`;
      this.ids.set(c as object, id);
    }
    return id;
  }
}

// The hasher of the pickle being read: dicts and sets made while it loads (also by whitelisted constructors such
// as OrderedDict) share its tuple hashes.
let currentHasher: KeyHasher | undefined;

/**
 * A Python dict while parsing: keys of any type with Python's key equality (True and 1 are one key, the first
 * key object is kept and the last value wins, as Python), insertion-ordered. Converted to a JS value afterwards.
 */
export class PyDict implements PyStateful {
  private readonly items = new Map<unknown, [unknown, unknown]>();
  /** Instance attributes from BUILD (OrderedDict's `_metadata` in state dicts); kept, not exposed. */
  attributes: PyDict | null = null;
  private readonly hasher: KeyHasher;
  /**
   * `ordered`: an OrderedDict; `instanceDict`: the object has a __dict__ that BUILD may fill (OrderedDict,
   * Counter), which a plain dict has not.
   */
  constructor(readonly ordered = false, readonly instanceDict = ordered) {
    this.hasher = currentHasher ?? new KeyHasher('pickle');
  }
  set(k: unknown, v: unknown): void {
    if (k instanceof Py2Bytes) k = k.toString();
    const c = this.hasher.key(k);
    const e = this.items.get(c);
    if (e !== undefined) e[1] = v;
    else this.items.set(c, [k, v]);
  }
  get(k: unknown): unknown { return this.items.get(this.hasher.key(k))?.[1]; }
  has(k: unknown): boolean { return this.items.has(this.hasher.key(k)); }
  get size(): number { return this.items.size; }
  *keys(): IterableIterator<unknown> { for (const [k] of this.items.values()) yield k; }
  /** Entries with their original keys. */
  *entries(): IterableIterator<[unknown, unknown]> { for (const e of this.items.values()) yield [e[0], e[1]]; }
  /** BUILD: Python's default __setstate__ fills the instance __dict__ (and slot attributes) from dicts. */
  setState(state: unknown): void {
    let slots: unknown = null;
    if (Array.isArray(state) && !isPyList(state) && state.length === 2) [state, slots] = state;
    for (const part of [state, slots]) {
      if (part === null) continue;
      if (!(part instanceof PyDict)) throw new SerializationError(`corrupt pickle: BUILD state of a dict is a ${typeName(part)}, not a dictionary`);
      if (!this.instanceDict) throw new SerializationError("corrupt pickle: BUILD with a state on a plain dict (which has no '__dict__')");
      this.attributes ??= new PyDict();
      for (const [k, v] of part.entries()) this.attributes.set(k, v);
    }
  }
}

/** A Python set or frozenset: items with Python's equality (duplicates merge, the first item is kept). */
export class PySet {
  private readonly byKey = new Map<unknown, unknown>();
  private readonly hasher: KeyHasher;
  constructor(items: Iterable<unknown>, readonly frozen: boolean) {
    this.hasher = currentHasher ?? new KeyHasher('pickle');
    for (const x of items) this.add(x);
  }
  add(x: unknown): void {
    if (x instanceof Py2Bytes) x = x.toString();
    const c = this.hasher.key(x);
    if (!this.byKey.has(c)) this.byKey.set(c, x);
  }
  keys(): IterableIterator<unknown> { return this.byKey.values(); }
  get items(): unknown[] { return [...this.byKey.values()]; }
}

/**
 * Python 2 `str` (BINSTRING): raw bytes that Python 3's torch.load decodes as UTF-8 text, except where numpy's
 * scalar() wants the bytes themselves; so the bytes are kept until the consumer decides.
 */
export class Py2Bytes {
  constructor(readonly bytes: Uint8Array) {}
  toString(): string { return py2Text(this.bytes); }
}

export function py2Text(b: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return latin1.decode(b);
  }
}

/** A Python str (from any protocol) as a JS string, or null when `v` is not one. */
export function pyStr(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof Py2Bytes) return v.toString();
  return null;
}

export interface UnpicklerHooks {
  /** Returns the callable for `module.name`, or throws an error that names it. */
  findGlobal(module: string, name: string): PyCallable;
  /** Resolves a persistent id (PyTorch's storages). */
  persistentLoad?(pid: unknown): unknown;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * UTF-8 as Python's unpickler decodes str (BINUNICODE...): invalid bytes are an error, but encoded surrogates
 * (U+D800..U+DFFF, which strict UTF-8 forbids) are accepted, as its 'surrogatepass' error handler does.
 */
export function decodeUtf8(b: Uint8Array, where: string): string {
  try {
    return utf8.decode(b);
  } catch {
    let out = '';
    let start = 0;
    for (let i = 0; i < b.length;) {
      if (b[i] === 0xed && i + 2 < b.length && b[i + 1]! >= 0xa0 && b[i + 1]! <= 0xbf && (b[i + 2]! & 0xc0) === 0x80) {
        out += decodePart(b.subarray(start, i), where);
        out += String.fromCharCode(0xd000 | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f));
        i += 3;
        start = i;
      } else i++;
    }
    return out + decodePart(b.subarray(start), where);
  }
}

function decodePart(b: Uint8Array, where: string): string {
  try {
    return utf8.decode(b);
  } catch {
    throw new SerializationError(`${where}: corrupt pickle: a string is not valid UTF-8`);
  }
}

/**
 * Little-endian two's complement integer: a number when exact, else a BigInt (Python ints are unbounded).
 * Linear in the length: the bytes become one hexadecimal literal.
 */
export function decodeLong(b: Uint8Array): number | bigint {
  const n = b.length;
  if (n === 0) return 0;
  if (n <= 6) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i]!;
    return b[n - 1]! & 0x80 ? v - 2 ** (8 * n) : v;
  }
  const be = Buffer.from(b).reverse();
  let v = BigInt(`0x${be.toString('hex')}`);
  if (b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
  return normalizeInt(v);
}

export function normalizeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

// Python 3.11 refuses to convert decimal strings of more than 4300 digits to int (sys.get_int_max_str_digits).
const INT_MAX_STR_DIGITS = 4300;
const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;

/** Python's int(s, 0) (PyLong_FromString with base 0), or null when it would raise. */
function pyIntBase0(s: string): bigint | null {
  const t = s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
  const m = /^([+-]?)(?:0[xX]((?:_?[0-9a-fA-F])+)|0[oO]((?:_?[0-7])+)|0[bB]((?:_?[01])+)|(0(?:_?0)*)|([1-9](?:_?[0-9])*))$/.exec(t);
  if (m === null) return null;
  const neg = m[1] === '-';
  let v: bigint;
  if (m[2] !== undefined) v = BigInt(`0x${m[2].replace(/_/g, '')}`);
  else if (m[3] !== undefined) v = BigInt(`0o${m[3].replace(/_/g, '')}`);
  else if (m[4] !== undefined) v = BigInt(`0b${m[4].replace(/_/g, '')}`);
  else if (m[5] !== undefined) v = 0n;
  else {
    const digits = m[6]!.replace(/_/g, '');
    if (digits.length > INT_MAX_STR_DIGITS) return null;
    v = BigInt(digits);
  }
  return neg ? -v : v;
}

/**
 * Protocol 0's INT and LONG as CPython's _pickle reads them: INT "00"/"01" are booleans, then C's strtol with
 * base 0 (so "010" is octal 8), then Python's int(s, 0); LONG drops a trailing 'L' and uses int(s, 0).
 */
function parseTextInt(line: string, long: boolean, where: string): number | bigint | boolean {
  let s = line;
  if (long) {
    if (s.endsWith('L')) s = s.slice(0, -1);
  } else {
    if (s === '00') return false;
    if (s === '01') return true;
    const m = /^[ \t\n\v\f\r]*([+-]?)(?:0[xX]([0-9a-fA-F]{1,16})|(0[0-7]{0,22})|([1-9][0-9]{0,18}))$/.exec(s);
    if (m !== null) {
      const mag = m[2] !== undefined ? BigInt(`0x${m[2]}`) : m[3] !== undefined ? BigInt(`0o${m[3]}`) : BigInt(m[4]!);
      const v = m[1] === '-' ? -mag : mag;
      if (v >= INT64_MIN && v <= INT64_MAX) return normalizeInt(v);
    }
  }
  const v = pyIntBase0(s);
  if (v === null) throw new SerializationError(`${where}: corrupt pickle: invalid integer literal '${line.slice(0, 40)}'`);
  return normalizeInt(v);
}

/** Protocol 0's FLOAT as CPython reads it (PyOS_string_to_double: no leading space, overflow is an error). */
function parseTextFloat(s: string, where: string): number {
  const m = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i.exec(s);
  if (m === null) throw new SerializationError(`${where}: corrupt pickle: could not convert string to float: '${s.slice(0, 40)}'`);
  const lower = s.toLowerCase().replace(/^[+]/, '');
  if (/nan$/.test(lower)) return NaN;
  if (/inf(inity)?$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  const v = Number(s);
  if (!Number.isFinite(v)) throw new SerializationError(`${where}: corrupt pickle: float literal '${s.slice(0, 40)}' is out of range`);
  return v;
}

/** Python's repr-style string literal of protocol 0 STRING ('abc' or "abc" with escapes). */
function parseQuoted(s: string, name: string): string {
  const q = s[0];
  if ((q !== "'" && q !== '"') || s[s.length - 1] !== q || s.length < 2) {
    throw new SerializationError(`${name}: corrupt pickle: bad STRING literal`);
  }
  return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ({ n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v' } as Record<string, string>)[e] ?? '\\' + e;
  });
}

function rawUnicodeEscape(b: Uint8Array): string {
  return latin1.decode(b).replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, a?: string, c?: string) =>
    String.fromCodePoint(parseInt(a ?? c!, 16)));
}

/** The Python class behind a PyCallable that NEWOBJ may instantiate (cls.__new__(cls, *args)). */
export interface PyClass extends PyCallable {
  newObj(args: unknown[]): unknown;
}

function isClass(v: PyCallable): v is PyClass {
  return typeof (v as Partial<PyClass>).newObj === 'function';
}

// Python's memo is an array that grows to twice the largest index: an index beyond this is a file that Python
// itself cannot load on any ordinary machine (2^30 entries take 16 GiB), so it is refused as corrupt.
const MAX_MEMO_INDEX = 2 ** 30;

export class Unpickler {
  private stack: unknown[] = [];
  private marks: number[] = [];
  private memo = new Map<number, unknown>();
  private readonly hasher: KeyHasher;

  constructor(private readonly cur: Cursor, private readonly hooks: UnpicklerHooks) {
    this.hasher = new KeyHasher(cur.source.name);
  }

  private get name(): string { return this.cur.source.name; }

  private fail(msg: string): never {
    throw new SerializationError(`${this.name}: corrupt pickle at byte ${this.cur.pos}: ${msg}`);
  }

  /** The stack above the innermost MARK cannot be reached past it (CPython's "fence"). */
  private get fence(): number { return this.marks.length ? this.marks[this.marks.length - 1]! : 0; }

  private pop(): unknown {
    if (this.stack.length <= this.fence) this.fail('stack underflow');
    return this.stack.pop();
  }
  private top(): unknown {
    if (this.stack.length <= this.fence) this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }
  private popMark(): unknown[] {
    const m = this.marks.pop();
    if (m === undefined) this.fail('could not find MARK');
    return this.stack.splice(m);
  }

  private u32(): number {
    const b = this.cur.bytes(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000;
  }
  private i32(): number {
    const b = this.cur.bytes(4);
    return b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24);
  }
  private u64(): number {
    const lo = this.u32();
    const hi = this.u32();
    if (hi >= 0x200000) this.fail('length field too large');
    return hi * 0x1_0000_0000 + lo;
  }
  private textLine(): string { return latin1.decode(this.cur.line()); }

  private memoGet(i: number): unknown {
    if (!this.memo.has(i)) this.fail(`memo value not found at index ${i}`);
    return this.memo.get(i);
  }
  private memoPut(i: number): void {
    if (!Number.isSafeInteger(i) || i < 0) this.fail(`bad memo index ${i}`);
    if (i >= MAX_MEMO_INDEX) this.fail(`memo index ${i} is beyond what Python can load`);
    this.memo.set(i, this.top());
  }
  private textIndex(): number {
    const v = parseTextInt(this.textLine(), true, this.name);
    if (typeof v !== 'number') this.fail('memo index out of range');
    return v;
  }

  private setItems(items: unknown[], op: string): void {
    if (items.length % 2 !== 0) this.fail(`odd number of items for ${op}`);
    const d = this.top();
    if (!(d instanceof PyDict)) this.fail(`${op} on a ${typeName(d)}`);
    for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
  }

  private appendTo(items: unknown[], op: string): void {
    const l = this.top();
    if (!isPyList(l)) this.fail(`${op} to a ${typeName(l)}`);
    for (const v of items) l.push(v);
  }

  private call(fn: unknown, args: unknown): unknown {
    if (!isCallable(fn)) this.fail(`REDUCE on a ${typeName(fn)}, which is not a callable`);
    if (!Array.isArray(args) || isPyList(args)) this.fail(`arguments of ${fn.qualname} are a ${typeName(args)}, not a tuple`);
    return fn.call(args);
  }

  private newObj(cls: unknown, args: unknown, op: string): unknown {
    if (!isCallable(cls) || !isClass(cls)) this.fail(`${op} class argument ${typeName(cls)} isn't a type object`);
    if (!Array.isArray(args) || isPyList(args)) this.fail(`${op} expected an argument tuple, got a ${typeName(args)}`);
    return cls.newObj(args);
  }

  private global(module: string, name: string): PyCallable {
    return this.hooks.findGlobal(module, name);
  }

  /** Parses one pickle (up to its STOP opcode) and returns the object it describes. */
  load(): unknown {
    const outer = currentHasher;
    currentHasher = this.hasher;
    try {
      return this.run();
    } finally {
      currentHasher = outer;
    }
  }

  private run(): unknown {
    const c = this.cur;
    for (;;) {
      const op = c.byte();
      switch (op) {
        case 0x80: { // PROTO
          const p = c.byte();
          if (p > 5) this.fail(`unsupported pickle protocol ${p}`);
          break;
        }
        case 0x95: { // FRAME: transparent to a sequential reader, but it must fit in what is left
          const n = this.u64();
          if (n > c.remaining) this.fail(`FRAME of ${n} bytes runs past the end of the data`);
          break;
        }
        case 0x2e: return this.pop(); // STOP
        case 0x28: this.marks.push(this.stack.length); break; // MARK
        case 0x30: { // POP: pops a MARK when one is on top, as CPython
          if (this.marks.length && this.marks[this.marks.length - 1] === this.stack.length) this.marks.pop();
          else this.pop();
          break;
        }
        case 0x31: this.popMark(); break; // POP_MARK
        case 0x32: this.stack.push(this.top()); break; // DUP
        case 0x4e: this.stack.push(null); break; // NONE
        case 0x88: this.stack.push(true); break; // NEWTRUE
        case 0x89: this.stack.push(false); break; // NEWFALSE
        case 0x49: this.stack.push(parseTextInt(this.textLine(), false, this.name)); break; // INT
        case 0x4c: this.stack.push(parseTextInt(this.textLine(), true, this.name)); break; // LONG
        case 0x4a: this.stack.push(this.i32()); break; // BININT
        case 0x4b: this.stack.push(c.byte()); break; // BININT1
        case 0x4d: { const b = c.bytes(2); this.stack.push(b[0]! | (b[1]! << 8)); break; } // BININT2
        case 0x8a: { const n = c.byte(); this.stack.push(decodeLong(c.bytes(n))); break; } // LONG1
        case 0x8b: { // LONG4
          const n = this.i32();
          if (n < 0) this.fail('LONG pickle has negative byte count');
          this.stack.push(decodeLong(c.bytes(n)));
          break;
        }
        case 0x46: this.stack.push(parseTextFloat(this.textLine(), this.name)); break; // FLOAT
        case 0x47: { // BINFLOAT (big-endian double)
          const b = c.bytes(8);
          this.stack.push(new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false));
          break;
        }
        case 0x53: this.stack.push(parseQuoted(this.textLine(), this.name)); break; // STRING
        case 0x54: { // BINSTRING
          const n = this.i32();
          if (n < 0) this.fail('BINSTRING pickle has negative byte count');
          this.stack.push(this.py2str(c.bytes(n)));
          break;
        }
        case 0x55: this.stack.push(this.py2str(c.bytes(c.byte()))); break; // SHORT_BINSTRING
        case 0x56: this.stack.push(rawUnicodeEscape(c.line())); break; // UNICODE
        case 0x58: this.stack.push(decodeUtf8(c.bytes(this.u32()), this.name)); break; // BINUNICODE
        case 0x8c: this.stack.push(decodeUtf8(c.bytes(c.byte()), this.name)); break; // SHORT_BINUNICODE
        case 0x8d: this.stack.push(decodeUtf8(c.bytes(this.u64()), this.name)); break; // BINUNICODE8
        case 0x42: this.stack.push(c.bytes(this.u32()).slice(0)); break; // BINBYTES
        case 0x43: this.stack.push(c.bytes(c.byte()).slice(0)); break; // SHORT_BINBYTES
        case 0x8e: this.stack.push(c.bytes(this.u64()).slice(0)); break; // BINBYTES8
        case 0x96: this.stack.push(markByteArray(c.bytes(this.u64()).slice(0))); break; // BYTEARRAY8
        case 0x5d: this.stack.push(markList([])); break; // EMPTY_LIST
        case 0x61: { const v = this.pop(); this.appendTo([v], 'APPEND'); break; } // APPEND
        case 0x65: this.appendTo(this.popMark(), 'APPENDS'); break; // APPENDS
        case 0x6c: this.stack.push(markList(this.popMark())); break; // LIST
        case 0x29: this.stack.push([]); break; // EMPTY_TUPLE
        case 0x74: this.stack.push(this.popMark()); break; // TUPLE
        case 0x85: this.stack.push([this.pop()]); break; // TUPLE1
        case 0x86: { const b = this.pop(); const a = this.pop(); this.stack.push([a, b]); break; } // TUPLE2
        case 0x87: { // TUPLE3
          const z = this.pop(); const y = this.pop(); const x = this.pop();
          this.stack.push([x, y, z]);
          break;
        }
        case 0x7d: this.stack.push(new PyDict()); break; // EMPTY_DICT
        case 0x64: { // DICT
          const items = this.popMark();
          if (items.length % 2 !== 0) this.fail('odd number of items for DICT');
          const d = new PyDict();
          for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
          this.stack.push(d);
          break;
        }
        case 0x73: { const v = this.pop(); const k = this.pop(); this.setItems([k, v], 'SETITEM'); break; } // SETITEM
        case 0x75: this.setItems(this.popMark(), 'SETITEMS'); break; // SETITEMS
        case 0x8f: this.stack.push(new PySet([], false)); break; // EMPTY_SET
        case 0x90: { // ADDITEMS
          const items = this.popMark();
          const s = this.top();
          if (!(s instanceof PySet) || s.frozen) this.fail(`ADDITEMS to a ${typeName(s)}`);
          for (const x of items) s.add(x);
          break;
        }
        case 0x91: this.stack.push(new PySet(this.popMark(), true)); break; // FROZENSET
        case 0x63: { // GLOBAL
          const module = this.textLine();
          const name = this.textLine();
          this.stack.push(this.global(module, name));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.fail('STACK_GLOBAL requires str');
          this.stack.push(this.global(module, name));
          break;
        }
        case 0x52: { const args = this.pop(); const fn = this.pop(); this.stack.push(this.call(fn, args)); break; } // REDUCE
        case 0x81: { const args = this.pop(); const cls = this.pop(); this.stack.push(this.newObj(cls, args, 'NEWOBJ')); break; } // NEWOBJ
        case 0x92: { // NEWOBJ_EX
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          if (!(kwargs instanceof PyDict)) this.fail(`NEWOBJ_EX keyword arguments are a ${typeName(kwargs)}, not a dict`);
          if (kwargs.size > 0) this.fail(`keyword arguments to ${typeName(cls)} are not supported`);
          this.stack.push(this.newObj(cls, args, 'NEWOBJ_EX'));
          break;
        }
        case 0x69: { // INST
          const module = this.textLine();
          const name = this.textLine();
          const cls = this.global(module, name);
          this.stack.push(this.call(cls, this.popMark()));
          break;
        }
        case 0x6f: { // OBJ
          const items = this.popMark();
          if (items.length === 0) this.fail('OBJ without a class');
          this.stack.push(this.call(items[0], items.slice(1)));
          break;
        }
        case 0x62: { // BUILD
          const state = this.pop();
          const obj = this.top();
          if (obj !== null && typeof obj === 'object' && typeof (obj as Partial<PyStateful>).setState === 'function') {
            (obj as PyStateful).setState(state);
          } else if (!(state === null || (Array.isArray(state) && !isPyList(state) && state.length === 2 && state[0] === null && state[1] === null))) {
            // Python's default __setstate__ with a state needs an instance __dict__, which these have not
            this.fail(`BUILD (setting state) on a ${typeName(obj)} is not supported`);
          }
          break;
        }
        case 0x50: { // PERSID
          const pid = this.textLine();
          this.stack.push(this.persistent(pid));
          break;
        }
        case 0x51: this.stack.push(this.persistent(this.pop())); break; // BINPERSID
        case 0x67: this.stack.push(this.memoGet(this.textIndex())); break; // GET
        case 0x68: this.stack.push(this.memoGet(c.byte())); break; // BINGET
        case 0x6a: this.stack.push(this.memoGet(this.u32())); break; // LONG_BINGET
        case 0x70: this.memoPut(this.textIndex()); break; // PUT
        case 0x71: this.memoPut(c.byte()); break; // BINPUT
        case 0x72: this.memoPut(this.u32()); break; // LONG_BINPUT
        case 0x94: this.memoPut(this.memo.size); break; // MEMOIZE
        case 0x82: case 0x83: case 0x84: // EXT1/2/4
          throw new SerializationError(`${this.name}: refusing pickle extension registry codes (EXT opcodes): not a tensor or container constructor`);
        case 0x97: case 0x98: // NEXT_BUFFER / READONLY_BUFFER
          this.fail('out-of-band buffers are not supported');
        default:
          this.fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }

  private py2str(b: Uint8Array): Py2Bytes {
    return new Py2Bytes(b.slice(0));
  }

  private persistent(pid: unknown): unknown {
    if (!this.hooks.persistentLoad) this.fail('persistent id found but this pickle has no external storages');
    return this.hooks.persistentLoad(pid);
  }
}

function isCallable(v: unknown): v is PyCallable {
  return v !== null && typeof v === 'object' && typeof (v as PyCallable).call === 'function' && typeof (v as PyCallable).qualname === 'string';
}

export function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return isPyList(v) ? 'list' : 'tuple';
  if (v instanceof PyDict) return 'dict';
  if (isCallable(v)) return `'${v.qualname}'`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
