// A pickle writer producing protocol 2 streams as Python's pickle.Pickler(protocol=2) does (PyTorch's
// torch.save default), for plain JavaScript data plus a few explicit Python constructs (globals, reduce
// calls, tuples, persistent ids) that the caller builds for values Python has classes for (tensors).

/** `module.name` written as a GLOBAL opcode. */
export class PyGlobalRef {
  constructor(readonly module: string, readonly name: string) {}
}
/** `fn(*args)` pickled as GLOBAL + args tuple + REDUCE. */
export class PyReduce {
  constructor(readonly fn: PyGlobalRef, readonly args: unknown[]) {}
}
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}
/** A float even when integral (JavaScript has one number type; Python tells 1 from 1.0). */
export class PyFloat {
  constructor(readonly value: number) {}
}
/** An external reference (PyTorch's storages): pickled as the persistent id `pid` + BINPERSID. */
export class PyPersistent {
  constructor(readonly pid: PyTuple) {}
}
/** A dict with explicit entries (keys of any type), optionally a collections.OrderedDict. */
export class PyDictEntries {
  constructor(readonly entries: [unknown, unknown][], readonly ordered = false) {}
}

/** Turns a value the writer does not know (a Tensor) into the constructs above; undefined if unsupported. */
export type Reducer = (value: object) => unknown;

const BATCH = 1000; // Python's pickler batches APPENDS/SETITEMS by 1000

export class Pickler {
  private buf = new Uint8Array(1 << 16);
  private len = 0;
  private memo = new Map<object, number>();
  private path: string[] = [];

  constructor(private readonly reducer?: Reducer) {}

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  private bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  private u32(v: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer).setUint32(this.len, v, true);
    this.len += 4;
  }
  private text(s: string): void {
    this.bytes(new TextEncoder().encode(s));
  }

  /** The whole pickle of `obj`: PROTO 2 ... STOP. */
  dump(obj: unknown): Uint8Array {
    this.byte(0x80);
    this.byte(2);
    this.save(obj);
    this.byte(0x2e);
    return this.buf.slice(0, this.len);
  }

  private where(): string {
    return this.path.length ? this.path.join('') : '(top level)';
  }

  private put(o: object): void {
    const i = this.memo.size;
    this.memo.set(o, i);
    if (i < 256) { this.byte(0x71); this.byte(i); } else { this.byte(0x72); this.u32(i); }
  }
  private get(o: object): boolean {
    const i = this.memo.get(o);
    if (i === undefined) return false;
    if (i < 256) { this.byte(0x68); this.byte(i); } else { this.byte(0x6a); this.u32(i); }
    return true;
  }

  private saveInt(v: bigint | number): void {
    const b = BigInt(v);
    if (b >= 0n && b < 256n) { this.byte(0x4b); this.byte(Number(b)); return; }
    if (b >= 0n && b < 65536n) { this.byte(0x4d); this.byte(Number(b) & 0xff); this.byte(Number(b) >> 8); return; }
    if (b >= -(1n << 31n) && b < 1n << 31n) { this.byte(0x4a); this.u32(Number(BigInt.asUintN(32, b))); return; }
    // LONG1: minimal little-endian two's complement
    const out: number[] = [];
    let x = b;
    for (;;) {
      out.push(Number(x & 0xffn));
      x >>= 8n;
      const signBit = (out[out.length - 1]! & 0x80) !== 0;
      if ((x === 0n && !signBit) || (x === -1n && signBit)) break;
    }
    this.byte(0x8a);
    this.byte(out.length);
    this.bytes(Uint8Array.from(out));
  }

  private saveFloat(v: number): void {
    this.byte(0x47);
    this.ensure(8);
    new DataView(this.buf.buffer).setFloat64(this.len, v, false);
    this.len += 8;
  }

  private saveStr(s: string): void {
    const b = new TextEncoder().encode(s);
    this.byte(0x58);
    this.u32(b.length);
    this.bytes(b);
  }

  private saveGlobal(g: PyGlobalRef): void {
    this.byte(0x63);
    this.text(`${g.module}\n${g.name}\n`);
  }

  private saveTuple(items: unknown[]): void {
    if (items.length === 0) { this.byte(0x29); return; }
    if (items.length <= 3) {
      items.forEach((x, i) => this.child(`[${i}]`, x));
      this.byte([0x85, 0x86, 0x87][items.length - 1]!);
      return;
    }
    this.byte(0x28);
    items.forEach((x, i) => this.child(`[${i}]`, x));
    this.byte(0x74);
  }

  private child(step: string, v: unknown): void {
    this.path.push(step);
    this.save(v);
    this.path.pop();
  }

  private saveDictEntries(entries: Iterable<[unknown, unknown]>): void {
    let batch: [unknown, unknown][] = [];
    const flush = (): void => {
      if (batch.length === 0) return;
      if (batch.length > 1) this.byte(0x28);
      for (const [k, v] of batch) {
        // dict keys must be hashable in Python: an array key is a tuple
        this.save(Array.isArray(k) ? new PyTuple(k) : k);
        this.child(`[${typeof k === 'string' ? JSON.stringify(k) : String(k)}]`, v);
      }
      this.byte(batch.length > 1 ? 0x75 : 0x73);
      batch = [];
    };
    for (const e of entries) {
      batch.push(e);
      if (batch.length === BATCH) flush();
    }
    flush();
  }

  private save(v: unknown): void {
    if (v === null || v === undefined) { this.byte(0x4e); return; }
    switch (typeof v) {
      case 'boolean': this.byte(v ? 0x88 : 0x89); return;
      case 'number':
        if (Number.isSafeInteger(v) && !Object.is(v, -0)) this.saveInt(v); else this.saveFloat(v);
        return;
      case 'bigint': this.saveInt(v); return;
      case 'string': this.saveStr(v); return;
      case 'object': break;
      default:
        throw new TypeError(`torch.save: cannot pickle a ${typeof v} at ${this.where()}`);
    }
    const o = v as object;
    if (o instanceof PyFloat) { this.saveFloat(o.value); return; }
    if (o instanceof PyGlobalRef) { this.saveGlobal(o); return; }
    if (o instanceof PyTuple) { this.saveTuple(o.items); return; }
    if (o instanceof PyPersistent) { this.saveTuple(o.pid.items); this.byte(0x51); return; }
    if (o instanceof PyReduce) {
      this.saveGlobal(o.fn);
      this.saveTuple(o.args);
      this.byte(0x52);
      return;
    }
    if (this.get(o)) return;
    if (o instanceof PyDictEntries) {
      if (o.ordered) {
        this.saveGlobal(new PyGlobalRef('collections', 'OrderedDict'));
        this.byte(0x29);
        this.byte(0x52);
      } else {
        this.byte(0x7d);
      }
      this.put(o);
      this.saveDictEntries(o.entries);
      return;
    }
    if (Array.isArray(o)) {
      this.byte(0x5d);
      this.put(o);
      for (let i = 0; i < o.length; i += BATCH) {
        const part = o.slice(i, i + BATCH);
        if (part.length > 1) this.byte(0x28);
        part.forEach((x, j) => this.child(`[${i + j}]`, x));
        this.byte(part.length > 1 ? 0x65 : 0x61);
      }
      return;
    }
    if (o instanceof Map) {
      this.byte(0x7d);
      this.put(o);
      this.saveDictEntries(o.entries());
      return;
    }
    if (o instanceof Set) {
      // Python 3's pickler at protocol 2 writes sets as __builtin__.set(list)
      this.saveGlobal(new PyGlobalRef('__builtin__', 'set'));
      this.saveTuple([[...o]]);
      this.byte(0x52);
      this.put(o);
      return;
    }
    if (o instanceof Uint8Array) {
      // protocol 2 has no bytes opcode: Python writes _codecs.encode(latin-1 text, 'latin1')
      let s = '';
      for (let i = 0; i < o.length; i += 8192) s += String.fromCharCode(...o.subarray(i, i + 8192));
      this.saveGlobal(new PyGlobalRef('_codecs', 'encode'));
      this.saveTuple([s, 'latin1']);
      this.byte(0x52);
      this.put(o);
      return;
    }
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) {
      const metadata = Object.getOwnPropertyDescriptor(o, '_metadata');
      if (metadata !== undefined && !metadata.enumerable && metadata.value !== null && typeof metadata.value === 'object') {
        // A state dict from Module.stateDict(): PyTorch's OrderedDict with its `_metadata` attribute, which
        // Python's pickler writes as OrderedDict() + SETITEMS + BUILD({'_metadata': OrderedDict(...)}).
        this.saveGlobal(new PyGlobalRef('collections', 'OrderedDict'));
        this.byte(0x29);
        this.byte(0x52);
        this.put(o);
        this.saveDictEntries(Object.entries(o));
        this.child('._metadata', { _metadata: new PyDictEntries(Object.entries(metadata.value as object), true) });
        this.byte(0x62); // BUILD
        return;
      }
      this.byte(0x7d);
      this.put(o);
      this.saveDictEntries(Object.entries(o));
      return;
    }
    const reduced = this.reducer?.(o);
    if (reduced === undefined) {
      throw new TypeError(`torch.save: cannot pickle a ${o.constructor?.name ?? 'object'} at ${this.where()}: `
        + 'only tensors, numbers, strings, booleans, null, bigints, Uint8Arrays, arrays, Maps, Sets and plain objects can be saved');
    }
    this.save(reduced);
    // memoize the original object so a tensor saved twice is one object in Python
    this.put(o);
  }
}
