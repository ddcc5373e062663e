// Python's argument binding for the TypeScript API: one place that decides what every public function, method
// and constructor does with the arguments it is given, so that none drops one silently.
//
// A signature lists a callable's parameters in PyTorch's order (camelCase names). A call may pass them
// positionally in that order, as Python does (`F.maxPool2d(x, 3, 2)`), or by name in one options object, the
// last argument (`F.maxPool2d(x, 3, { stride: 2 })`), or both (`F.maxPool2d(x, 3, 2, { padding: 1 })`). The
// binder refuses, with a TypeError that names the parameter, what Python refuses: more positional arguments
// than parameters, an unknown keyword (with a hint when it is PyTorch's snake_case name), a parameter given
// twice, a required one missing, a keyword-only one given positionally. Then it hands the implementation its
// arguments in the implementation's own convention:
//   - 'positional' (spec without ';'): every parameter as a separate argument, in order (keyword-only ones last);
//   - 'options' (spec with ';'): the parameters before ';' as separate arguments, then one options object with
//     every later parameter that was given.
//
// Spec syntax, e.g. 'input, kernelSize; stride, padding, dilation, ceilMode, returnIndices':
//   name      a parameter (required if before ';' and not marked '?'; optional after ';')
//   name?     an optional leading parameter
//   *         the parameters after it are keyword-only (options object only)
//   ...name   variadic positional parameters (sizes: `view(2, 3)` or `view([2, 3])`)
//   name:dict a parameter whose value may be a plain object (ModuleDict's modules): a plain object in its
//             position is that value, not the options object
//   **name    Python's **kwargs (last): keywords no other parameter takes are collected instead of refused; the
//             implementation gets them as one object after its other arguments ('positional'), or in its
//             options object ('options')
//   ;         end of the implementation's separate arguments (options convention)
import { inspect } from 'node:util';

export interface Signature {
  /** The name errors use: 'maxPool2d', 'Tensor.topk', 'nn.Conv2d'. */
  readonly name: string;
  /** PyTorch's qualified name, for the API reference: 'torch.nn.functional.max_pool2d'. */
  readonly pyName: string;
  /** Parameters that may be given positionally, in order. */
  readonly positional: readonly string[];
  /** Keyword-only parameters. */
  readonly keywordOnly: readonly string[];
  /** How many leading positional parameters are required. */
  readonly required: number;
  /** The variadic parameter's name, if any (it takes every positional argument from its place on). */
  readonly variadic: string | null;
  /** Parameters whose value may be a plain object. */
  readonly dicts: readonly string[];
  /** Python's **kwargs parameter, if any: it takes the keywords no other parameter takes. */
  readonly varKeyword: string | null;
  /** 'options': the implementation takes `head` separate arguments and an options object; 'positional': all separately. */
  readonly convention: 'positional' | 'options';
  /** Separate arguments of an 'options' implementation. */
  readonly head: number;
  /** The spec as written. */
  readonly spec: string;
}

const registry = new Map<unknown, Signature>();

/** The signature registered for a function, method or class (for the API walk test and the documentation). */
export function signatureOf(f: unknown): Signature | undefined {
  return registry.get(f);
}

/** Registers the signature of a callable that binds its own arguments (for the API walk and the reference). */
export function registerSignature(f: unknown, name: string, pyName: string, spec: string): void {
  registry.set(f, signature(name, pyName, spec));
}

/** Every registered signature with what it belongs to. */
export function registeredSignatures(): [unknown, Signature][] {
  return [...registry];
}

/** Parses a spec (see the header). `pyName` is PyTorch's name of the callable. */
export function signature(name: string, pyName: string, spec: string): Signature {
  const convention = spec.includes(';') ? 'options' : 'positional';
  const [headPart, restPart] = convention === 'options' ? spec.split(';') as [string, string] : [spec, ''];
  const positional: string[] = [];
  const keywordOnly: string[] = [];
  let required = 0;
  let variadic: string | null = null;
  let varKeyword: string | null = null;
  let kwOnly = false;
  let head = 0;
  let optionalSeen = false;
  const dicts: string[] = [];
  const parse = (part: string, inHead: boolean): void => {
    for (const raw0 of part.split(',')) {
      let raw = raw0.trim();
      if (raw.endsWith(':dict')) {
        raw = raw.slice(0, -5);
        dicts.push(raw.replace(/\?$/, ''));
      }
      const p = raw.trim();
      if (p === '') continue;
      if (varKeyword !== null) throw new Error(`signature ${name}: '${p}' after **${varKeyword}`);
      if (p.startsWith('**')) {
        if (inHead && convention === 'options') throw new Error(`signature ${name}: '${p}' before ';'`);
        varKeyword = p.slice(2);
        continue;
      }
      if (p === '*') { kwOnly = true; continue; }
      if (p.startsWith('...')) {
        if (variadic !== null || kwOnly) throw new Error(`signature ${name}: bad variadic '${p}'`);
        variadic = p.slice(3);
        positional.push(variadic);
        if (inHead) head++;
        continue;
      }
      const optional = p.endsWith('?') || !inHead;
      const n = p.endsWith('?') ? p.slice(0, -1) : p;
      if (!/^[A-Za-z_$][\w$]*$/.test(n)) throw new Error(`signature ${name}: bad parameter name '${n}'`);
      if (kwOnly) {
        if (inHead && convention === 'options') throw new Error(`signature ${name}: keyword-only '${n}' before ';'`);
        keywordOnly.push(n);
        continue;
      }
      if (variadic !== null) throw new Error(`signature ${name}: '${n}' after the variadic parameter must be keyword-only`);
      positional.push(n);
      if (inHead) head++;
      if (!optional) {
        if (optionalSeen) throw new Error(`signature ${name}: required '${n}' after an optional parameter`);
        required++;
      } else optionalSeen = true;
    }
  };
  parse(headPart, true);
  parse(restPart, convention === 'positional');
  if (convention === 'positional') head = positional.length;
  return Object.freeze({ name, pyName, positional, keywordOnly, required, variadic, dicts, varKeyword, convention, head, spec });
}

/** A plain object (not an array, tensor, Map...): what an options object is. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function describe(v: unknown): string {
  return inspect(v, { depth: 0, breakLength: Infinity, maxStringLength: 40, maxArrayLength: 4 });
}

function unknownKeyword(sig: Signature, key: string): TypeError {
  if (key === 'out') {
    return new TypeError(`${sig.name}() got an unexpected keyword argument 'out': tstorch functions return their result `
      + '(assign it, or write into an existing tensor with its in-place method or copy_)');
  }
  const all = [...sig.positional, ...sig.keywordOnly];
  const loose = (n: string): string => n.replace(/_/g, '').toLowerCase();
  const pyForm = all.find((n) => loose(n) === loose(key));
  const near = pyForm === undefined ? all.find((n) => editDistance(n.toLowerCase(), key.toLowerCase()) <= 2) : undefined;
  const hint = pyForm !== undefined ? ` (PyTorch's '${key}' is '${pyForm}' here)`
    : near !== undefined ? ` (did you mean '${near}'?); it takes ${all.map((n) => `'${n}'`).join(', ')}`
      : all.length ? `; it takes ${all.map((n) => `'${n}'`).join(', ')}` : '; it takes no options';
  return new TypeError(`${sig.name}() got an unexpected keyword argument '${key}'${hint}`);
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

function tooMany(sig: Signature, given: number, args: ArrayLike<unknown>): TypeError {
  const max = sig.positional.length;
  const extra = args[max];
  const kw = sig.keywordOnly.length ? ` (${sig.keywordOnly.map((n) => `'${n}'`).join(', ')} only by name, in an options object)` : '';
  return new TypeError(`${sig.name}() takes ${max === 0 ? 'no' : `at most ${max}`} positional argument${max === 1 ? '' : 's'}`
    + `${max ? ` (${sig.positional.join(', ')})` : ''} but ${given} were given; the extra one is ${describe(extra)}${kw}`);
}

/**
 * Binds a call's arguments to `sig` and returns them in the implementation's convention (see the header).
 * Throws a TypeError naming the parameter for anything Python would refuse.
 */
export function bindArgs(sig: Signature, args: ArrayLike<unknown>): unknown[] {
  const plan = planOf(sig);
  let n = args.length;
  let given: Record<string, unknown> | undefined;
  // A trailing plain object is the options object, even where a required parameter goes (`F.maxPool2d(x,
  // { kernelSize: 3 })`, `new nn.Linear({ inFeatures: 4, outFeatures: 2 })`), unless that parameter takes plain
  // objects (a state dict, a duck-typed dataset: ':dict' in the spec), or there is nothing it could name (a
  // variadic index such as t.index({ start: 1 }) takes plain objects as values).
  if (plan.named && n > 0 && isPlainObject(args[n - 1]) && !plan.dictAt[n - 1]) {
    given = args[n - 1] as Record<string, unknown>;
    n--;
  }
  const P = sig.positional;
  const vi = plan.variadicAt;
  // one slot per parameter: the positional ones in order, then the keyword-only ones
  const vals: unknown[] = new Array(plan.names.length);
  let varargs: unknown[] | undefined;
  // the slots [0, byPosition) have their positional argument
  const byPosition = vi < 0 ? n : Math.min(n, vi);
  if (vi < 0 && n > P.length) throw tooMany(sig, n, args);
  for (let i = 0; i < byPosition; i++) vals[i] = args[i];
  if (vi >= 0) {
    varargs = [];
    for (let i = vi; i < n; i++) varargs.push(args[i]);
  }
  let kwargs: Record<string, unknown> | undefined;
  // the slots the options object set that no positional argument had, in its key order (the order an
  // 'options' implementation's options object lists them in)
  let keyed: number[] | undefined;
  if (given !== undefined) {
    for (const key of Object.keys(given)) {
      const v = given[key];
      if (key === sig.variadic) {
        if (varargs !== undefined && varargs.length) throw new TypeError(`${sig.name}() got multiple values for argument '${key}'`);
        varargs = v === undefined ? [] : [v];
        continue;
      }
      const slot = plan.slots.get(key);
      if (slot === undefined) {
        if (sig.varKeyword === null) throw unknownKeyword(sig, key);
        if (v !== undefined) (kwargs ??= {})[key] = v;
        continue;
      }
      if (v === undefined) continue;
      if (vals[slot] !== undefined) {
        throw new TypeError(`${sig.name}() got multiple values for argument '${key}' (positionally and in the options object)`);
      }
      vals[slot] = v;
      if (slot >= byPosition) (keyed ??= []).push(slot);
    }
  }
  for (let i = 0; i < sig.required; i++) {
    if (i !== vi && vals[i] === undefined) {
      throw new TypeError(`${sig.name}() missing required argument '${P[i]}' (position ${i + 1})`);
    }
  }
  const out: unknown[] = [];
  const headCount = sig.convention === 'options' ? sig.head : plan.names.length;
  for (let i = 0; i < headCount; i++) {
    if (i === vi) { if (varargs !== undefined) out.push(...varargs); } else out.push(vals[i]);
  }
  if (sig.convention === 'options') {
    const opts: Record<string, unknown> = {};
    const names = plan.names;
    for (let i = headCount; i < byPosition; i++) if (vals[i] !== undefined) opts[names[i]!] = vals[i];
    if (keyed !== undefined) for (const i of keyed) if (i >= headCount) opts[names[i]!] = vals[i];
    out.push(kwargs === undefined ? opts : Object.assign(opts, kwargs));
  } else if (sig.varKeyword !== null) out.push(kwargs ?? {});
  return out;
}

/** What bindArgs needs of a signature beyond its fields, computed once per signature. */
interface BindPlan {
  /** Whether a trailing plain object can be the options object (there is a parameter it could name). */
  readonly named: boolean;
  /** Every parameter's slot: positional ones by position, keyword-only ones after them. */
  readonly slots: ReadonlyMap<string, number>;
  /** Slot -> name. */
  readonly names: readonly string[];
  /** Positional index -> whether that parameter takes plain objects (':dict'). */
  readonly dictAt: readonly boolean[];
  /** The variadic parameter's position, or -1. */
  readonly variadicAt: number;
  /** A variadic call with positional arguments only is already in the implementation's convention. */
  readonly variadicPassThrough: boolean;
}

const plans = new WeakMap<Signature, BindPlan>();

function planOf(sig: Signature): BindPlan {
  let plan = plans.get(sig);
  if (plan === undefined) {
    const names = [...sig.positional, ...sig.keywordOnly];
    plan = {
      named: sig.keywordOnly.length > 0 || sig.varKeyword !== null || sig.positional.some((p) => p !== sig.variadic),
      slots: new Map(names.map((name, i) => [name, i])),
      names,
      dictAt: sig.positional.map((p) => sig.dicts.includes(p)),
      variadicAt: sig.variadic === null ? -1 : sig.positional.indexOf(sig.variadic),
      variadicPassThrough: sig.variadic !== null && sig.convention === 'positional' && sig.keywordOnly.length === 0 && sig.varKeyword === null,
    };
    plans.set(sig, plan);
  }
  return plan;
}

/** Whether a call can skip binding: positional arguments only, no more than the implementation takes. */
function trivial(sig: Signature, args: IArguments | unknown[]): boolean {
  const n = args.length;
  if (n < sig.required) return false;
  if (sig.variadic !== null) {
    // `t.view(2, 3)`: every argument from the variadic one on is one of its values, as the implementation takes them
    const plan = planOf(sig);
    return plan.variadicPassThrough && (n === 0 || !plan.named || !isPlainObject(args[n - 1]) || plan.dictAt[n - 1] === true);
  }
  if (n > sig.head) return false;
  return n === 0 || !isPlainObject(args[n - 1]);
}

/**
 * Whether a call to an 'options' implementation already has the bound form: its `head` separate arguments, then
 * an options object whose keys all name keyword slots and whose values are all set. bindArgs would build an equal
 * object (the same keys, order and values), so the call skips it: layers call their functional forms this way
 * (`conv2d(x, w, b, { stride, padding, dilation, groups })`) for every convolution of every pass.
 */
function boundOptions(sig: Signature, args: IArguments | unknown[]): boolean {
  const n = args.length;
  if (sig.convention !== 'options' || sig.variadic !== null || sig.varKeyword !== null || n - 1 !== sig.head || n - 1 < sig.required) return false;
  const given = args[n - 1];
  if (!isPlainObject(given)) return false;
  const plan = planOf(sig);
  if (plan.dictAt[n - 1] === true) return false;
  for (let i = 0; i < sig.required; i++) if (args[i] === undefined) return false; // bindArgs names the missing one
  for (const key in given) {
    if (!Object.prototype.hasOwnProperty.call(given, key)) return false;
    const slot = plan.slots.get(key);
    if (slot === undefined || slot < sig.head || (given as Record<string, unknown>)[key] === undefined) return false;
  }
  return true;
}

/**
 * Wraps `impl` so that every call is bound by `spec` first. The wrapper keeps `this`, and is registered so the
 * API walk test and the reference documentation find its signature.
 */
export function withArgs<F extends (...a: any[]) => any>(name: string, pyName: string, spec: string, impl: F): F {
  const sig = signature(name, pyName, spec);
  const wrapped = function (this: unknown): unknown {
    // eslint-disable-next-line prefer-rest-params
    if (trivial(sig, arguments) || boundOptions(sig, arguments)) return impl.apply(this, arguments as unknown as unknown[]);
    // eslint-disable-next-line prefer-rest-params
    return impl.apply(this, bindArgs(sig, arguments));
  };
  Object.defineProperty(wrapped, 'name', { value: impl.name || name });
  Object.defineProperty(wrapped, 'length', { value: impl.length });
  registry.set(wrapped, sig);
  implementations.set(wrapped, impl);
  return wrapped as unknown as F;
}

const implementations = new WeakMap<object, (...a: any[]) => any>();

/** The implementation behind a `withArgs` wrapper (it takes already-bound arguments), or the function itself. */
export function implementationOf<F extends (...a: any[]) => any>(f: F): F {
  return (implementations.get(f) ?? f) as F;
}

/**
 * `withArgs` for an implementation whose own parameters are the bound form (options object, variadic list):
 * the result has the public type `P` (PyTorch's calling forms), which the caller states.
 */
export function api<P>(name: string, pyName: string, spec: string, impl: (...a: any[]) => unknown): P {
  return withArgs(name, pyName, spec, impl) as unknown as P;
}

/** Installs `withArgs` wrappers on a prototype's methods, from a table of method name to [pyName, spec]. */
export function installMethodArgs(owner: string, proto: object, table: Record<string, readonly [pyName: string, spec: string]>): void {
  for (const [method, [pyName, spec]] of Object.entries(table)) {
    const impl = (proto as Record<string, unknown>)[method];
    if (typeof impl !== 'function') throw new Error(`installMethodArgs: ${owner}.${method} is not a method`);
    Object.defineProperty(proto, method, {
      value: withArgs(`${owner}.${method}`, pyName, spec, impl as (...a: unknown[]) => unknown),
      writable: true, configurable: true, enumerable: false,
    });
  }
}

/**
 * Registers a class's constructor signature and binds a constructor call's arguments: the first statement
 * (after super()) of a constructor that takes PyTorch's arguments.
 */
export function classArgs(cls: abstract new (...a: any[]) => unknown, pyName: string, spec: string): Signature {
  const sig = signature(cls.name, pyName, spec);
  registry.set(cls, sig);
  return sig;
}

/**
 * A constructor's arguments bound to the signature registered for `cls` (the class whose constructor runs, not
 * `new.target`: a subclass's constructor passes its parent the parent's arguments).
 */
export function bindCtor(cls: abstract new (...a: any[]) => unknown, args: ArrayLike<unknown>): unknown[] {
  const sig = registry.get(cls);
  if (sig === undefined) throw new Error(`${cls.name}: no constructor signature is registered (classArgs)`);
  const list = Array.prototype.slice.call(args) as unknown[];
  return trivial(sig, list) ? list : bindArgs(sig, list);
}

/** Keys of an options object that `allowed` does not list, as a TypeError naming the first (for option-only APIs). */
export function checkOptions(name: string, opts: unknown, allowed: readonly string[]): void {
  if (opts === undefined) return;
  if (!isPlainObject(opts)) throw new TypeError(`${name}(): expected an options object, got ${describe(opts)}`);
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) throw unknownKeyword({ name, keywordOnly: allowed, positional: [] } as unknown as Signature, k);
  }
}

export { snake as snakeCase };

// ----- types: PyTorch's calling forms for a TypeScript signature -------------------------------------------

type Prefixes<T extends readonly unknown[]> = T extends readonly [...infer H, unknown] ? Prefixes<H> | T : [];
type ValuesOf<O, K extends readonly (keyof O)[]> = { -readonly [I in keyof K]: O[K[I]] };
/**
 * The arguments after the required ones, as PyTorch takes them: the optional parameters `K` (keys of the options
 * type `O`, in PyTorch's order) positionally, any prefix of them, optionally followed by an options object.
 */
export type PyRest<O, K extends readonly (keyof O)[]> = Prefixes<ValuesOf<O, K>> extends infer P
  ? P extends readonly unknown[] ? [...P] | [...P, O] : never : never;

/**
 * `withArgs` for an implementation in the options convention, typed with PyTorch's forms: `H` the required
 * leading arguments, then `PyRest<O, K>`.
 */
export function defn<H extends unknown[], O extends object, R, const K extends readonly (keyof O & string)[]>(
  name: string, pyName: string, head: string, keys: K, impl: (...a: [...H, O?]) => R,
  keywordOnly: readonly (keyof O & string)[] = []): (...a: [...H, ...PyRest<O, K>]) => R {
  const spec = `${head}; ${keys.join(', ')}${keywordOnly.length ? `, *, ${keywordOnly.join(', ')}` : ''}`;
  return withArgs(name, pyName, spec, impl as (...a: unknown[]) => R) as unknown as (...a: [...H, ...PyRest<O, K>]) => R;
}

/**
 * A call's arguments bound to the signature registered for `f` (a function by registerSignature, a class by
 * classArgs), in the implementation's convention: the first statement of a function or constructor that keeps
 * its own parameter list, `[a, b = 1, opts = {}] = bindOwn(f, arguments) as Parameters<typeof f>;`.
 */
export function bindOwn(f: unknown, args: ArrayLike<unknown>): unknown[] {
  const sig = registry.get(f);
  if (sig === undefined) throw new Error(`${(f as { name?: string }).name}: no signature is registered (registerSignature/classArgs)`);
  const list = Array.prototype.slice.call(args) as unknown[];
  return trivial(sig, list) ? list : bindArgs(sig, list);
}

const declaredCounts = new WeakMap<Function, number>();

/**
 * How many positional parameters a function declares (Infinity with a rest parameter, or when its source cannot be
 * read: native and bound functions), read once from its source text. Module.call uses it so that an argument the
 * forward method has no parameter for is a TypeError instead of being dropped: JavaScript would pass it silently.
 */
export function declaredParameterCount(f: Function): number {
  let n = declaredCounts.get(f);
  if (n === undefined) {
    // a withArgs wrapper binds (and refuses) its arguments itself; a body that reads `arguments` takes any number
    const src = Function.prototype.toString.call(f);
    n = registry.has(f) || /\barguments\b/.test(src) ? Infinity : countParameters(src);
    declaredCounts.set(f, n);
  }
  return n;
}

function countParameters(src: string): number {
  if (src.includes('[native code]')) return Infinity;
  let i = src.indexOf('(');
  // `x => ...`: one parameter and no parenthesis before the arrow
  const arrow = src.indexOf('=>');
  if (arrow >= 0 && (i < 0 || arrow < i)) return 1;
  if (i < 0) return Infinity;
  let depth = 0, count = 0, sawToken = false;
  for (i++; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === "'" || c === '`') {
      // skip a string literal (template literals with nested ${} holding backticks are not expected in defaults)
      for (i++; i < src.length && src[i] !== c; i++) if (src[i] === '\\') i++;
      sawToken = true;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') { i = src.indexOf('*/', i + 2) + 1; if (i <= 0) return Infinity; continue; }
    if (c === '/' && src[i + 1] === '/') { i = src.indexOf('\n', i); if (i < 0) return Infinity; continue; }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return sawToken ? count + 1 : 0;
      depth--;
    } else if (depth === 0 && c === ',') count++;
    else if (depth === 0 && c === '.' && src.startsWith('...', i)) return Infinity;
    if (!/\s/.test(c)) sawToken = true;
  }
  return Infinity;
}
