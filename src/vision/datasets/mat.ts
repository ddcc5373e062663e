// A reader of MATLAB's level 5 MAT-files (the "-v5"/"-v6"/"-v7" formats scipy.io.loadmat reads; not -v7.3,
// which is HDF5), for the numeric arrays data sets ship in them (SVHN's images and labels, Flowers102's label
// and split lists). Handles both byte orders, zlib-compressed variables (miCOMPRESSED, -v7), small data
// elements, and the storage MATLAB picks to save space (a double array written as uint8, say): values come back
// in the array's class (loadmat's mat_dtype=True), with the stored type beside it (the dtype plain loadmat gives).
// Char arrays, structs and cells are read too (ImageNet's devkit meta.mat is a struct array of numbers and
// strings); objects, sparse, function handles and complex arrays are listed, and asking for one throws an error
// naming what it is.
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { withArgs } from '../../args.js';

export type MatClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

export type MatData = Float64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface MatArray {
  kind: 'numeric';
  name: string;
  /** MATLAB's class of the array (the type `data` has). */
  class: MatClass;
  /** The type its values were written in (what scipy.io.loadmat returns without mat_dtype=True). */
  stored: MatClass;
  /** MATLAB's dimensions (at least two). */
  dims: number[];
  /** The values in MATLAB's column-major (Fortran) order: element (i, j, k) is at i + d0*(j + d1*k). */
  data: MatData;
  /** The array is MATLAB's logical type (stored as uint8). */
  logical: boolean;
}

/** A char array: its rows as strings (a 1xN array is one string), as loadmat's chars_as_strings. */
export interface MatChar {
  kind: 'char';
  name: string;
  dims: number[];
  strings: string[];
}

/** A struct array: its field names, and per element (column-major) the value of each field. */
export interface MatStruct {
  kind: 'struct';
  name: string;
  dims: number[];
  fields: string[];
  elements: Record<string, MatValue>[];
}

/** A cell array: its cells in column-major order. */
export interface MatCell {
  kind: 'cell';
  name: string;
  dims: number[];
  cells: MatValue[];
}

export type MatValue = MatArray | MatChar | MatStruct | MatCell;

// data element types
const mi: Record<number, { name: string; size: number }> = {
  1: { name: 'int8', size: 1 }, 2: { name: 'uint8', size: 1 }, 3: { name: 'int16', size: 2 }, 4: { name: 'uint16', size: 2 },
  5: { name: 'int32', size: 4 }, 6: { name: 'uint32', size: 4 }, 7: { name: 'single', size: 4 }, 9: { name: 'double', size: 8 },
  12: { name: 'int64', size: 8 }, 13: { name: 'uint64', size: 8 }, 16: { name: 'utf8', size: 1 }, 17: { name: 'utf16', size: 2 }, 18: { name: 'utf32', size: 4 },
};
const miMATRIX = 14, miCOMPRESSED = 15;
// array classes
const mxNames: Record<number, string> = { 1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse', 16: 'function handle', 17: 'opaque' };
const mxNumeric: Record<number, MatClass> = {
  6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};
const alloc: Record<MatClass, (n: number) => MatData> = {
  double: (n) => new Float64Array(n), single: (n) => new Float32Array(n), int8: (n) => new Int8Array(n), uint8: (n) => new Uint8Array(n),
  int16: (n) => new Int16Array(n), uint16: (n) => new Uint16Array(n), int32: (n) => new Int32Array(n), uint32: (n) => new Uint32Array(n),
  int64: (n) => new BigInt64Array(n), uint64: (n) => new BigUint64Array(n),
};

class Unsupported extends Error {
  constructor(readonly variable: string, readonly kind: string) { super(kind); }
}

/** A MAT-file's variables: the numeric arrays, and the names of the others with what they are. */
export class MatFile {
  constructor(readonly what: string, readonly variables: Map<string, MatValue>, readonly unsupported: Map<string, string>) {}

  has(name: string): boolean { return this.variables.has(name); }

  /** The numeric variable `name`; throws naming the file and what it holds when it is missing or not numeric. */
  get(name: string): MatArray {
    const v = this.value(name);
    if (v.kind !== 'numeric') throw new Error(`readMat: ${this.what}: variable '${name}' is a ${v.kind} array, not a numeric one`);
    return v;
  }

  /** The variable `name`, of any kind read. */
  value(name: string): MatValue {
    const v = this.variables.get(name);
    if (v) return v;
    const kind = this.unsupported.get(name);
    if (kind) throw new Error(`readMat: ${this.what}: variable '${name}' is ${kind}; only real numeric, char, struct and cell arrays are read`);
    throw new Error(`readMat: ${this.what}: no variable '${name}' (it holds ${[...this.variables.keys(), ...this.unsupported.keys()].map((k) => `'${k}'`).join(', ') || 'nothing'})`);
  }
}

class Reader {
  constructor(readonly buf: Uint8Array, readonly le: boolean, readonly what: string) {}
  private dv(): DataView { return new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength); }

  fail(msg: string): never { throw new Error(`readMat: ${this.what}: ${msg}`); }

  /** The data element at `pos`: its type, payload range, and where the next one starts. */
  element(pos: number, padded = true): { type: number; start: number; end: number; next: number } {
    if (pos + 8 > this.buf.length) this.fail(`truncated: a data element tag at byte ${pos} runs past the end (${this.buf.length} bytes)`);
    const dv = this.dv();
    const w0 = dv.getUint32(pos, this.le);
    if (w0 >>> 16 !== 0) {
      // small data element: type and size in one word, up to 4 bytes of data in the next
      const type = w0 & 0xffff, n = w0 >>> 16;
      if (n > 4) this.fail(`corrupt small data element at byte ${pos} (size ${n})`);
      return { type, start: pos + 4, end: pos + 4 + n, next: pos + 8 };
    }
    const n = dv.getUint32(pos + 4, this.le);
    const start = pos + 8, end = start + n;
    if (end > this.buf.length) this.fail(`truncated: a data element of ${n} bytes at byte ${pos} runs past the end (${this.buf.length} bytes)`);
    // compressed elements are not padded; the others end on an 8-byte boundary
    return { type: w0, start, end, next: padded && w0 !== miCOMPRESSED ? start + Math.ceil(n / 8) * 8 : end };
  }

  /** A numeric data element's values as `cls`, converting from the stored type as MATLAB does (exact). */
  numbers(pos: number, cls: MatClass, count: number, field: string): { data: MatData; stored: MatClass; next: number } {
    const el = this.element(pos);
    const t = mi[el.type];
    if (!t || t.name.startsWith('utf')) this.fail(`${field}: data type ${el.type} is not numeric`);
    const n = (el.end - el.start) / t.size;
    if (n !== count) this.fail(`${field}: holds ${n} values for ${count} elements`);
    const out = alloc[cls](count);
    const dv = this.dv();
    const big = cls === 'int64' || cls === 'uint64';
    const get = (i: number): number | bigint => {
      const o = el.start + i * t.size;
      switch (t.name) {
        case 'int8': return dv.getInt8(o);
        case 'uint8': return dv.getUint8(o);
        case 'int16': return dv.getInt16(o, this.le);
        case 'uint16': return dv.getUint16(o, this.le);
        case 'int32': return dv.getInt32(o, this.le);
        case 'uint32': return dv.getUint32(o, this.le);
        case 'single': return dv.getFloat32(o, this.le);
        case 'double': return dv.getFloat64(o, this.le);
        case 'int64': return dv.getBigInt64(o, this.le);
        default: return dv.getBigUint64(o, this.le);
      }
    };
    if (t.name === cls && t.size === 1) {
      (out as Uint8Array).set(this.buf.subarray(el.start, el.end));
    } else if (big) {
      for (let i = 0; i < count; i++) { const v = get(i); (out as BigInt64Array)[i] = typeof v === 'bigint' ? v : BigInt(v); }
    } else {
      for (let i = 0; i < count; i++) { const v = get(i); (out as Float64Array)[i] = typeof v === 'bigint' ? Number(v) : v; }
    }
    return { data: out, stored: t.name as MatClass, next: el.next };
  }

  /** The miMATRIX element whose payload is [start, end) (a variable, or a struct field or cell inside one). */
  matrix(start: number, end: number, path = ''): MatValue {
    const dv = this.dv();
    if (end === start) return { kind: 'numeric', name: '', class: 'double', stored: 'double', dims: [0, 0], data: new Float64Array(0), logical: false };
    // array flags: class in the low byte, complex/global/logical bits in the next
    const flagsEl = this.element(start);
    if (flagsEl.end - flagsEl.start < 8) this.fail('corrupt array flags');
    const flags = dv.getUint32(flagsEl.start, this.le);
    const mx = flags & 0xff;
    const dimsEl = this.element(flagsEl.next);
    const dims: number[] = [];
    for (let o = dimsEl.start; o + 4 <= dimsEl.end; o += 4) dims.push(dv.getInt32(o, this.le));
    const nameEl = this.element(dimsEl.next);
    const name = new TextDecoder().decode(this.buf.subarray(nameEl.start, nameEl.end));
    const where = path || name;
    if (dims.length < 2 || dims.some((d) => !(d >= 0))) this.fail(`variable '${where}' has bad dimensions [${dims.join(', ')}]`);
    const count = dims.reduce((a, b) => a * b, 1);
    if (flags & 0x800) throw new Unsupported(where, 'complex');
    let pos = nameEl.next;
    const sub = (i: number, label: string): MatValue => {
      const el = this.element(pos);
      if (el.type !== miMATRIX) this.fail(`${where}: element ${i} is not a matrix (type ${el.type})`);
      pos = el.next;
      return this.matrix(el.start, el.end, label);
    };
    if (mx === 2) {
      // struct: the longest field name's length, the names (NUL-padded to it), then element by element each field
      const lenEl = this.element(pos);
      const len = dv.getInt32(lenEl.start, this.le);
      const namesEl = this.element(lenEl.next);
      pos = namesEl.next;
      const fields: string[] = [];
      for (let o = namesEl.start; len > 0 && o + len <= namesEl.end; o += len) {
        const raw = this.buf.subarray(o, o + len);
        const nul = raw.indexOf(0);
        fields.push(new TextDecoder().decode(nul < 0 ? raw : raw.subarray(0, nul)));
      }
      const elements: Record<string, MatValue>[] = [];
      for (let i = 0; i < count; i++) {
        const rec: Record<string, MatValue> = {};
        for (const f of fields) rec[f] = sub(i, `${where}(${i + 1}).${f}`);
        elements.push(rec);
      }
      return { kind: 'struct', name, dims, fields, elements };
    }
    if (mx === 1) {
      const cells: MatValue[] = [];
      for (let i = 0; i < count; i++) cells.push(sub(i, `${where}{${i + 1}}`));
      return { kind: 'cell', name, dims, cells };
    }
    if (mx === 4) return { kind: 'char', name, dims, strings: this.chars(pos, dims, count, where) };
    const cls = mxNumeric[mx];
    if (!cls) throw new Unsupported(where, `a ${mxNames[mx] ?? `class ${mx}`} array`);
    const { data, stored, next } = this.numbers(pos, cls, count, `variable '${where}'`);
    if (next > end + 7) this.fail(`variable '${where}' runs past its element`);
    return { kind: 'numeric', name, class: cls, stored, dims, data, logical: (flags & 0x200) !== 0 };
  }

  /** A char array's rows: the characters, stored as UTF-8, UTF-16/uint16 code units or bytes, column-major. */
  private chars(pos: number, dims: number[], count: number, where: string): string[] {
    const el = this.element(pos);
    const dv = this.dv();
    let codes: string[];
    if (el.type === 16) {
      codes = [...new TextDecoder().decode(this.buf.subarray(el.start, el.end))];
    } else if (el.type === 4 || el.type === 17 || el.type === 3) {
      codes = [];
      for (let o = el.start; o + 2 <= el.end; o += 2) codes.push(String.fromCharCode(dv.getUint16(o, this.le)));
    } else if (el.type === 18 || el.type === 6 || el.type === 5) {
      codes = [];
      for (let o = el.start; o + 4 <= el.end; o += 4) codes.push(String.fromCodePoint(dv.getUint32(o, this.le)));
    } else if (el.type === 1 || el.type === 2) {
      codes = Array.from(this.buf.subarray(el.start, el.end), (b) => String.fromCharCode(b));
    } else {
      this.fail(`char array '${where}' stored as data type ${el.type}`);
    }
    if (codes.length !== count) this.fail(`char array '${where}' holds ${codes.length} characters for ${count}`);
    const rows = dims[0]!, cols = count / Math.max(rows, 1);
    if (count === 0) return rows === 0 ? [] : Array(rows).fill('');
    const out: string[] = [];
    for (let r = 0; r < rows; r++) {
      let line = '';
      for (let c = 0; c < cols; c++) line += codes[r + rows * c];
      out.push(line);
    }
    return out;
  }
}

/** Parses a level 5 MAT-file's bytes into its variables, in file order. */
function parseMatImpl(bytes: Uint8Array, what = 'MAT-file'): MatFile {
  if (bytes.length < 128) throw new Error(`readMat: ${what}: too short for a MAT-file header (${bytes.length} bytes)`);
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 116));
  const endian = String.fromCharCode(bytes[126]!, bytes[127]!);
  if (endian !== 'IM' && endian !== 'MI') {
    throw new Error(`readMat: ${what}: not a level 5 MAT-file (no 'IM'/'MI' byte-order mark; header ${JSON.stringify(text.slice(0, 40))})`);
  }
  const le = endian === 'IM';
  const version = new DataView(bytes.buffer, bytes.byteOffset + 124, 2).getUint16(0, le);
  if (version === 0x0200) throw new Error(`readMat: ${what}: a MATLAB -v7.3 (HDF5) file; only level 5 MAT-files (-v7 and earlier) are read`);
  if (version !== 0x0100) throw new Error(`readMat: ${what}: unknown MAT-file version 0x${version.toString(16)}`);
  const top = new Reader(bytes, le, what);
  const out = new Map<string, MatValue>();
  const unsupported = new Map<string, string>();
  const read = (r: Reader, start: number, end: number): void => {
    try {
      const v = r.matrix(start, end);
      out.set(v.name, v);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      // the variable's name, or the struct field / cell inside it that is not read
      const top = e.variable.split(/[({]/)[0]!;
      unsupported.set(top, top === e.variable ? e.kind : `${e.kind} at ${e.variable}`);
    }
  };
  let pos = 128;
  while (pos + 8 <= bytes.length) {
    const el = top.element(pos);
    if (el.type === miCOMPRESSED) {
      let raw: Buffer;
      try {
        raw = inflateSync(bytes.subarray(el.start, el.end));
      } catch (e) {
        throw new Error(`readMat: ${what}: a compressed variable at byte ${pos} does not inflate (truncated or corrupt): ${(e as Error).message}`);
      }
      const inner = new Reader(raw, le, what);
      const iel = inner.element(0);
      if (iel.type === miMATRIX) read(inner, iel.start, iel.end);
    } else if (el.type === miMATRIX) {
      read(top, el.start, el.end);
    }
    pos = el.next;
  }
  return new MatFile(what, out, unsupported);
}

/** Reads a level 5 MAT-file's numeric variables (scipy.io.loadmat for the data sets that need it). */
function readMatImpl(path: string): MatFile {
  return parseMat(readFileSync(path), path);
}

/** A variable as plain numbers (squeeze_me-style flat list in column-major order); int64 values past 2^53 throw. */
function matNumbersImpl(arr: MatArray): number[] {
  return Array.from(arr.data as ArrayLike<number | bigint>, (v) => {
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`readMat: '${arr.name}' holds ${v}, past the safe integer range`);
      return Number(v);
    }
    return v;
  });
}

// bound to their signatures (src/args.ts): an extra positional argument or an unknown option is a TypeError
export const parseMat = withArgs('parseMat', 'scipy.io.loadmat', 'bytes, what?', parseMatImpl);
export const readMat = withArgs('readMat', 'scipy.io.loadmat', 'fileName', readMatImpl);
export const matNumbers = withArgs('matNumbers', 'tstorch.vision.datasets.matNumbers', 'arr:dict', matNumbersImpl);
