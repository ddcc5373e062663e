// Sequential, ModuleList and ModuleDict. Children are own properties named "0", "1", ... (or by key), so
// `seq[6]` reads and `seq[6] = new Linear(4096, 2)` replaces a layer, as in Python.
import { bindCtor, classArgs } from '../../args.js';
import { Module, callChain } from '../module.js';

function normIndex(i: number, n: number, what: string): number {
  const j = i < 0 ? i + n : i;
  if (!Number.isInteger(j) || j < 0 || j >= n) throw new RangeError(`${what}: index ${i} is out of range for ${n} modules`);
  return j;
}

abstract class IndexedContainer extends Module {
  [index: number]: Module;

  protected childKeys(): string[] { return this.namedChildren().map(([k]) => k); }
  get length(): number { return this.namedChildren().length; }
  /** The module at a position; negative positions count from the end (Python's `seq[-1]`). */
  at(i: number): Module {
    const entries = this.namedChildren();
    return entries[normIndex(i, entries.length, `${this._getName()}.at`)]![1];
  }
  /** Replaces the module at a position (Python's `seq[-1] = m`). */
  set(i: number, m: Module): this {
    const keys = this.childKeys();
    (this as any)[keys[normIndex(i, keys.length, `${this._getName()}.set`)]!] = m;
    return this;
  }
  [Symbol.iterator](): Iterator<Module> { return this.children()[Symbol.iterator](); }
  append(m: Module): this {
    (this as any)[String(this.length)] = m;
    return this;
  }
  extend(ms: Iterable<Module>): this {
    for (const m of ms) this.append(m);
    return this;
  }
  /** Inserts before position i, renumbering the modules after it. */
  insert(i: number, m: Module): this {
    const list = this.children();
    const n = list.length;
    const j = i < 0 ? i + n : i;
    if (j < 0 || j > n) throw new RangeError(`insert: index ${i} is out of range for ${n} modules`);
    list.splice(j, 0, m);
    for (const k of this.childKeys()) delete (this as any)[k];
    list.forEach((c, idx) => { (this as any)[String(idx)] = c; });
    return this;
  }
}

/** A chain of modules; forward() feeds each one's output to the next. */
export class Sequential extends IndexedContainer {
  constructor(...modules: Module[]);
  constructor(named: Record<string, Module> | Map<string, Module>);
  constructor(...args: (Module | Record<string, Module> | Map<string, Module>)[]) {
    super();
    args = bindCtor(Sequential, args) as typeof args;
    if (args.length === 1 && !(args[0] instanceof Module)) {
      const entries = args[0] instanceof Map ? [...args[0]] : Object.entries(args[0] as Record<string, Module>);
      for (const [k, m] of entries) this.registerModule(k, m);
    } else {
      (args as Module[]).forEach((m, i) => this.registerModule(String(i), m));
    }
  }
  override forward(input: any): any {
    return callChain(input, this.children());
  }
  /** Python's `seq[start:stop]`: a Sequential of those modules, with their original names. */
  slice(start = 0, stop?: number): Sequential {
    return new Sequential(new Map(this.namedChildren().slice(start, stop)));
  }
}

/** A list of modules, registered as children ("0", "1", ...). */
export class ModuleList extends IndexedContainer {
  constructor(modules: Iterable<Module> = []) {
    super();
    [modules = []] = bindCtor(ModuleList, arguments) as [Iterable<Module> | undefined];
    for (const m of modules) this.append(m);
  }
  slice(start = 0, stop?: number): ModuleList { return new ModuleList(this.children().slice(start, stop)); }
}

/** Modules by name, in insertion order. */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> | Map<string, Module> = {}) {
    super();
    [modules = {}] = bindCtor(ModuleDict, arguments) as [Record<string, Module> | Map<string, Module> | undefined];
    const entries = modules instanceof Map ? [...modules] : Object.entries(modules);
    for (const [k, m] of entries) this.registerModule(k, m);
  }
  get(key: string): Module | undefined {
    const v = (this as any)[key];
    return v instanceof Module ? v : undefined;
  }
  set(key: string, m: Module): this { this.registerModule(key, m); return this; }
  has(key: string): boolean { return this.get(key) !== undefined; }
  delete(key: string): boolean { const had = this.has(key); delete (this as any)[key]; return had; }
  keys(): string[] { return this.namedChildren().map(([k]) => k); }
  values(): Module[] { return this.children(); }
  entries(): [string, Module][] { return this.namedChildren(); }
  get size(): number { return this.namedChildren().length; }
  [Symbol.iterator](): Iterator<[string, Module]> { return this.entries()[Symbol.iterator](); }
}

classArgs(Sequential, 'torch.nn.Sequential', '...modules');
classArgs(ModuleList, 'torch.nn.ModuleList', 'modules?');
classArgs(ModuleDict, 'torch.nn.ModuleDict', 'modules?:dict');
