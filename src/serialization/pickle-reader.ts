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

/** A Python dict while parsing: keys of any type, insertion-ordered. Converted to a JS value afterwards. */
export class PyDict implements PyStateful {
  /** Entries by a lookup key: the key itself, or a canonical string for tuple keys (equal tuples, one entry). */
  readonly map = new Map<unknown, unknown>();
  /** The original tuple keys, by their canonical string. */
  readonly tupleKeys = new Map<string, unknown[]>();
  /** Instance attributes from BUILD (OrderedDict's `_metadata` in state dicts); kept, not exposed. */
  attributes: unknown = null;
  constructor(readonly ordered = false) {}
  set(k: unknown, v: unknown): void {
    if (k instanceof Py2Bytes) k = k.toString();
    if (Array.isArray(k)) {
      const canon = `\u0000tuple${JSON.stringify(k, (_key, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Py2Bytes ? x.toString() : x))}`;
      this.tupleKeys.set(canon, k);
      k = canon;
    }
    this.map.set(k, v);
  }
  /** Entries with their original keys. */
  *entries(): IterableIterator<[unknown, unknown]> {
    for (const [k, v] of this.map) yield [typeof k === 'string' ? this.tupleKeys.get(k) ?? k : k, v];
  }
  setState(state: unknown): void { this.attributes = state; }
}

export class PySet {
  constructor(readonly items: unknown[], readonly frozen: boolean) {}
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

const MARK = Symbol('mark');
const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

/** Little-endian two's complement integer: a number when exact, else a BigInt (Python ints are unbounded). */
export function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return normalizeInt(v);
}

export function normalizeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseTextInt(s: string, name: string): number | bigint | boolean {
  const t = s.trim().replace(/L$/, '');
  if (t === '00') return false; // protocol 0 booleans
  if (t === '01') return true;
  if (!/^[-+]?\d+$/.test(t)) throw new SerializationError(`${name}: corrupt pickle: bad integer literal '${s}'`);
  return normalizeInt(BigInt(t));
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

export class Unpickler {
  private stack: unknown[] = [];
  private marks: number[] = [];
  private memo = new Map<number, unknown>();

  constructor(private readonly cur: Cursor, private readonly hooks: UnpicklerHooks) {}

  private get name(): string { return this.cur.source.name; }

  private fail(msg: string): never {
    throw new SerializationError(`${this.name}: corrupt pickle at byte ${this.cur.pos}: ${msg}`);
  }

  private pop(): unknown {
    if (this.stack.length === 0 || (this.marks.length && this.stack.length <= this.marks[this.marks.length - 1]!)) {
      this.fail('stack underflow');
    }
    return this.stack.pop();
  }
  private top(): unknown {
    if (this.stack.length === 0) this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }
  private popMark(): unknown[] {
    const m = this.marks.pop();
    if (m === undefined) this.fail('MARK expected');
    return this.stack.splice(m);
  }

  private u32(): number {
    const b = this.cur.bytes(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16)) + b[3]! * 0x1000000;
  }
  private u64(): number {
    const lo = this.u32();
    const hi = this.u32();
    if (hi >= 0x200000) this.fail('length field too large');
    return hi * 0x1_0000_0000 + lo;
  }
  private textLine(): string { return latin1.decode(this.cur.line()); }

  private memoGet(i: number): unknown {
    if (!this.memo.has(i)) this.fail(`memo key ${i} not found`);
    return this.memo.get(i);
  }

  private setItems(d: unknown, items: unknown[]): void {
    if (!(d instanceof PyDict)) this.fail(`SETITEM(S) on a ${typeName(d)}`);
    for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
  }

  private call(fn: unknown, args: unknown): unknown {
    if (!isCallable(fn)) this.fail(`REDUCE/NEWOBJ on a ${typeName(fn)}, which is not a callable`);
    if (!Array.isArray(args)) this.fail(`arguments of ${fn.qualname} are not a tuple`);
    return fn.call(args);
  }

  private global(module: string, name: string): PyCallable {
    return this.hooks.findGlobal(module, name);
  }

  /** Parses one pickle (up to its STOP opcode) and returns the object it describes. */
  load(): unknown {
    const c = this.cur;
    for (;;) {
      const op = c.byte();
      switch (op) {
        case 0x80: { // PROTO
          const p = c.byte();
          if (p > 5) this.fail(`unsupported pickle protocol ${p}`);
          break;
        }
        case 0x95: c.bytes(8); break; // FRAME: framing is transparent to a sequential reader
        case 0x2e: { // STOP
          const v = this.pop();
          return v;
        }
        case 0x28: this.marks.push(this.stack.length); break; // MARK
        case 0x30: this.pop(); break; // POP
        case 0x31: this.popMark(); break; // POP_MARK
        case 0x32: this.stack.push(this.top()); break; // DUP
        case 0x4e: this.stack.push(null); break; // NONE
        case 0x88: this.stack.push(true); break; // NEWTRUE
        case 0x89: this.stack.push(false); break; // NEWFALSE
        case 0x49: this.stack.push(parseTextInt(this.textLine(), this.name)); break; // INT
        case 0x4c: this.stack.push(parseTextInt(this.textLine(), this.name)); break; // LONG
        case 0x4a: { // BININT
          const b = c.bytes(4);
          this.stack.push(b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24));
          break;
        }
        case 0x4b: this.stack.push(c.byte()); break; // BININT1
        case 0x4d: { const b = c.bytes(2); this.stack.push(b[0]! | (b[1]! << 8)); break; } // BININT2
        case 0x8a: { const n = c.byte(); this.stack.push(decodeLong(c.bytes(n))); break; } // LONG1
        case 0x8b: { // LONG4
          const n = this.u32();
          if (n > 1 << 20) this.fail('LONG4 integer too large');
          this.stack.push(decodeLong(c.bytes(n)));
          break;
        }
        case 0x46: { // FLOAT
          const v = Number(this.textLine());
          this.stack.push(v);
          break;
        }
        case 0x47: { // BINFLOAT (big-endian double)
          const b = c.bytes(8);
          this.stack.push(new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false));
          break;
        }
        case 0x53: this.stack.push(parseQuoted(this.textLine(), this.name)); break; // STRING
        case 0x54: this.stack.push(this.py2str(c.bytes(this.u32()))); break; // BINSTRING
        case 0x55: this.stack.push(this.py2str(c.bytes(c.byte()))); break; // SHORT_BINSTRING
        case 0x56: this.stack.push(rawUnicodeEscape(c.line())); break; // UNICODE
        case 0x58: this.stack.push(utf8.decode(c.bytes(this.u32()))); break; // BINUNICODE
        case 0x8c: this.stack.push(utf8.decode(c.bytes(c.byte()))); break; // SHORT_BINUNICODE
        case 0x8d: this.stack.push(utf8.decode(c.bytes(this.u64()))); break; // BINUNICODE8
        case 0x42: this.stack.push(c.bytes(this.u32()).slice(0)); break; // BINBYTES
        case 0x43: this.stack.push(c.bytes(c.byte()).slice(0)); break; // SHORT_BINBYTES
        case 0x8e: this.stack.push(c.bytes(this.u64()).slice(0)); break; // BINBYTES8
        case 0x96: this.stack.push(c.bytes(this.u64()).slice(0)); break; // BYTEARRAY8
        case 0x5d: this.stack.push([]); break; // EMPTY_LIST
        case 0x61: { // APPEND
          const v = this.pop();
          const l = this.top();
          if (!Array.isArray(l)) this.fail(`APPEND to a ${typeName(l)}`);
          l.push(v);
          break;
        }
        case 0x65: { // APPENDS
          const items = this.popMark();
          const l = this.top();
          if (!Array.isArray(l)) this.fail(`APPENDS to a ${typeName(l)}`);
          for (const v of items) l.push(v);
          break;
        }
        case 0x6c: this.stack.push(this.popMark()); break; // LIST
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
        case 0x64: { const d = new PyDict(); this.setItems(d, this.popMark()); this.stack.push(d); break; } // DICT
        case 0x73: { const v = this.pop(); const k = this.pop(); this.setItems(this.top(), [k, v]); break; } // SETITEM
        case 0x75: { const items = this.popMark(); this.setItems(this.top(), items); break; } // SETITEMS
        case 0x8f: this.stack.push(new PySet([], false)); break; // EMPTY_SET
        case 0x90: { // ADDITEMS
          const items = this.popMark();
          const s = this.top();
          if (!(s instanceof PySet)) this.fail(`ADDITEMS to a ${typeName(s)}`);
          s.items.push(...items);
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
          if (typeof module !== 'string' || typeof name !== 'string') this.fail('STACK_GLOBAL needs two strings');
          this.stack.push(this.global(module, name));
          break;
        }
        case 0x52: { const args = this.pop(); const fn = this.pop(); this.stack.push(this.call(fn, args)); break; } // REDUCE
        case 0x81: { const args = this.pop(); const cls = this.pop(); this.stack.push(this.call(cls, args)); break; } // NEWOBJ
        case 0x92: { // NEWOBJ_EX
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          if (kwargs instanceof PyDict && kwargs.map.size > 0) this.fail(`keyword arguments to ${typeName(cls)} are not supported`);
          this.stack.push(this.call(cls, args));
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
          this.stack.push(this.call(items[0], items.slice(1)));
          break;
        }
        case 0x62: { // BUILD
          const state = this.pop();
          const obj = this.top();
          if (obj === null || typeof obj !== 'object' || typeof (obj as Partial<PyStateful>).setState !== 'function') {
            this.fail(`BUILD (setting state) on a ${typeName(obj)} is not supported`);
          }
          (obj as PyStateful).setState(state);
          break;
        }
        case 0x50: { // PERSID
          const pid = this.textLine();
          this.stack.push(this.persistent(pid));
          break;
        }
        case 0x51: this.stack.push(this.persistent(this.pop())); break; // BINPERSID
        case 0x67: this.stack.push(this.memoGet(Number(this.textLine()))); break; // GET
        case 0x68: this.stack.push(this.memoGet(c.byte())); break; // BINGET
        case 0x6a: this.stack.push(this.memoGet(this.u32())); break; // LONG_BINGET
        case 0x70: this.memo.set(Number(this.textLine()), this.top()); break; // PUT
        case 0x71: this.memo.set(c.byte(), this.top()); break; // BINPUT
        case 0x72: this.memo.set(this.u32(), this.top()); break; // LONG_BINPUT
        case 0x94: this.memo.set(this.memo.size, this.top()); break; // MEMOIZE
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
  if (Array.isArray(v)) return 'list/tuple';
  if (v instanceof PyDict) return 'dict';
  if (isCallable(v)) return `'${v.qualname}'`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
