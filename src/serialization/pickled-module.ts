// torch.load of a whole pickled module (Python's `torch.save(model)`): the pickle names each module's class and
// holds its instance __dict__ (parameters, buffers, child modules, a few attributes). Here nothing of the file
// runs: each class name is looked up in an allow-list of torch.nn and torchvision classes, each mapped to its
// tstorch class with a rule for rebuilding it, and the rebuilt module gets the file's parameters and buffers.
// Leaf layers (Conv2d, Linear, BatchNorm2d...) are built with their constructor from the pickled
// hyper-parameters, so every derived setting is tstorch's own; composite modules (ResNet, a block, Sequential)
// are built as an empty instance of the tstorch class that receives the children, parameters and the few
// attributes their forward reads. An attribute the rule does not know, a class off the list, or parameters
// that do not fit the layer are errors that name the class and the attribute.
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { Tensor } from '../tensor.js';
import { SerializationError } from './byte-source.js';
import { type PyCallable, type PyStateful, PyDict, PySet, typeName } from './pickle-reader.js';

/** Reads one pickled module's attributes for a leaf layer's constructor. */
export interface PickledAttrs {
  /** The class's qualified Python name, for errors. */
  readonly qualname: string;
  has(name: string): boolean;
  get(name: string): unknown;
  int(name: string): number;
  num(name: string): number;
  bool(name: string): boolean;
  str(name: string): string;
  /** An int or a tuple of ints, as a number[] (a tuple) or a number. */
  ints(name: string): number | number[];
  /** Whether the parameter `name` is present (not None): a layer's `bias` flag. */
  hasParam(name: string): boolean;
}

/** How one allow-listed Python class becomes a tstorch module. */
export type ModuleRule =
  | {
    kind: 'construct';
    /** Builds the module from the pickled attributes; its parameters and buffers are then replaced by the file's. */
    build: (a: PickledAttrs) => Module;
    /** Python attributes the constructor reads or that need not be kept (others are an error). */
    attributes: readonly string[];
  }
  | {
    kind: 'shell';
    /** The tstorch class: an instance is made without running its constructor. */
    cls: abstract new (...args: any[]) => Module;
    /** Python attribute -> tstorch property (camelCase), or null for attributes forward does not use. */
    attributes: Readonly<Record<string, string | null>>;
  };

const rules = new Map<string, ModuleRule>();

/**
 * Allows a Python module class in pickled modules: `qualnames` are its names (e.g.
 * 'torch.nn.modules.conv.Conv2d', and 'torch.nn.Conv2d' as old files name it).
 */
export function registerPickledModule(qualnames: string | readonly string[], rule: ModuleRule): void {
  for (const q of typeof qualnames === 'string' ? [qualnames] : qualnames) rules.set(q, rule);
}

/** Whether a class name is on the allow-list. */
export function isPickledModuleClass(qualname: string): boolean {
  return rules.has(qualname);
}

// The bookkeeping every nn.Module pickles; hooks must be empty (a hook would be a function, refused anyway).
const MODULE_INTERNALS = new Set(['training', '_parameters', '_buffers', '_non_persistent_buffers_set', '_modules',
  '_backward_hooks', '_forward_hooks', '_forward_pre_hooks', '_state_dict_hooks', '_load_state_dict_pre_hooks',
  '_load_state_dict_post_hooks', '_is_full_backward_hook', '_forward_hooks_with_kwargs', '_forward_pre_hooks_with_kwargs',
  '_forward_hooks_always_called', '_backward_pre_hooks', '_state_dict_pre_hooks']);

/** A class reference in the pickle (GLOBAL): callable by NEWOBJ, or kept as a value (ResNet's `_norm_layer`). */
export class PyModuleClass implements PyCallable {
  constructor(readonly qualname: string, private readonly file: string) {}
  call(args: unknown[]): PyModuleInstance {
    if (args.length !== 0) throw new SerializationError(`${this.file}: ${this.qualname} was pickled with constructor arguments, which a module never has`);
    return new PyModuleInstance(this.qualname, this.file);
  }
  /** NEWOBJ (cls.__new__(cls)): how Python's pickler writes a module instance; the reader requires class objects to have it. */
  newObj(args: unknown[]): PyModuleInstance { return this.call(args); }
}

/** A pickled module before it is rebuilt: its class and its instance __dict__. */
export class PyModuleInstance implements PyStateful {
  state: PyDict | null = null;
  constructor(readonly qualname: string, readonly file: string) {}
  setState(state: unknown): void {
    if (!(state instanceof PyDict)) throw new SerializationError(`${this.file}: ${this.qualname}: the module's state is a ${typeName(state)}, expected its __dict__`);
    this.state = state;
  }
}

/** The allow-listed class for `qualname` (the unpickler's lookup), or null when it is not a module class we know. */
export function pickledModuleClass(qualname: string, file: string): PyModuleClass | null {
  return rules.has(qualname) ? new PyModuleClass(qualname, file) : null;
}

function ordered(v: unknown, what: string, ctx: string): [string, unknown][] {
  if (v === undefined || v === null) return [];
  if (!(v instanceof PyDict)) throw new SerializationError(`${ctx}: ${what} is a ${typeName(v)}, expected an OrderedDict`);
  return [...v.entries()].map(([k, x]) => {
    if (typeof k !== 'string') throw new SerializationError(`${ctx}: ${what} has a key of type ${typeName(k)}`);
    return [k, x];
  });
}

const camel = (s: string): string => s.replace(/^_+/, '').replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Rebuilds a pickled module as a tstorch module. `resolve` turns the file's values (tensors, tuples, dicts) into
 * JavaScript values; modules inside are rebuilt through `rebuild` itself.
 */
export function rebuildModule(inst: PyModuleInstance, resolve: (v: unknown) => unknown): Module {
  const ctx = `${inst.file}: ${inst.qualname}`;
  const rule = rules.get(inst.qualname);
  if (rule === undefined) throw new SerializationError(`refusing to load module class '${inst.qualname}' from ${inst.file}: not a torch.nn or torchvision class tstorch knows`);
  const state = inst.state;
  if (state === null) throw new SerializationError(`${ctx}: the module has no state`);
  const dict = new Map<string, unknown>();
  for (const [k, v] of state.entries()) {
    if (typeof k !== 'string') throw new SerializationError(`${ctx}: an attribute name of type ${typeName(k)}`);
    dict.set(k, v);
  }
  for (const hooks of ['_backward_hooks', '_forward_hooks', '_forward_pre_hooks', '_backward_pre_hooks']) {
    if (ordered(dict.get(hooks), hooks, ctx).length) throw new SerializationError(`${ctx}: the module was saved with ${hooks}, which cannot be loaded`);
  }
  const params = ordered(dict.get('_parameters'), '_parameters', ctx).map(([k, v]) => {
    const t = resolve(v);
    if (t !== null && !(t instanceof Tensor)) throw new SerializationError(`${ctx}: parameter '${k}' is a ${typeName(t)}`);
    return [k, t] as [string, Tensor | null];
  });
  const buffers = ordered(dict.get('_buffers'), '_buffers', ctx).map(([k, v]) => {
    const t = resolve(v);
    if (t !== null && !(t instanceof Tensor)) throw new SerializationError(`${ctx}: buffer '${k}' is a ${typeName(t)}`);
    return [k, t] as [string, Tensor | null];
  });
  const nonPersistent = new Set<string>();
  const np = dict.get('_non_persistent_buffers_set');
  if (np instanceof PySet) for (const x of np.items) if (typeof x === 'string') nonPersistent.add(x);
  const children = ordered(dict.get('_modules'), '_modules', ctx).map(([k, v]) => {
    if (v === null) return [k, null] as [string, Module | null];
    const m = resolve(v);
    if (!(m instanceof Module)) throw new SerializationError(`${ctx}: child '${k}' is a ${typeName(m)}, not a module`);
    return [k, m] as [string, Module | null];
  });
  const training = dict.get('training');
  const attrs = new Map<string, unknown>();
  for (const [k, v] of dict) if (!MODULE_INTERNALS.has(k)) attrs.set(k, v);

  let m: Module;
  if (rule.kind === 'construct') {
    for (const k of attrs.keys()) {
      if (!rule.attributes.includes(k)) throw new SerializationError(`${ctx}: unexpected attribute '${k}' (a subclass or a newer PyTorch?)`);
    }
    const reader = attrReader(inst.qualname, ctx, attrs, params, resolve);
    try {
      m = rule.build(reader);
    } catch (e) {
      if (e instanceof SerializationError) throw e;
      throw new SerializationError(`${ctx}: cannot rebuild the layer from its attributes: ${(e as Error).message}`);
    }
    replaceTensors(m, params, buffers, nonPersistent, ctx);
    if (children.length) throw new SerializationError(`${ctx}: a ${inst.qualname} has no child modules, the file gives ${children.map(([k]) => `'${k}'`).join(', ')}`);
  } else {
    m = Reflect.construct(Module, [], rule.cls) as Module;
    for (const [k, v] of attrs) {
      // None in a module slot (ResNet's downsample, GoogLeNet's aux1 without aux logits) is kept under its name
      if (v === null && !(k in rule.attributes)) { (m as any)[k] = null; continue; }
      if (!(k in rule.attributes)) throw new SerializationError(`${ctx}: unexpected attribute '${k}' (a subclass or a newer torchvision?)`);
      const to = rule.attributes[k];
      if (to === null || to === undefined) continue;
      (m as any)[to] = plainValue(resolve(v), `${ctx}.${k}`);
    }
    for (const [k, c] of children) m.registerModule(k, c);
    for (const [k, p] of params) m.registerParameter(k, p === null ? null : asParameter(p));
    for (const [k, b] of buffers) m.registerBuffer(k, b, !nonPersistent.has(k));
  }
  if (typeof training === 'boolean') m.training = training;
  return m;
}

function asParameter(t: Tensor): Parameter {
  return t instanceof Parameter ? t : new Parameter(t, t.requiresGrad);
}

/** Attribute values a shell instance may hold: numbers, booleans, strings, null and arrays of them. */
function plainValue(v: unknown, what: string): unknown {
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map((x, i) => plainValue(x, `${what}[${i}]`));
  throw new SerializationError(`${what}: an attribute of type ${typeName(v)} is not supported`);
}

/** Puts the file's parameters and buffers in place of a freshly built layer's, checking names and shapes. */
function replaceTensors(m: Module, params: [string, Tensor | null][], buffers: [string, Tensor | null][], nonPersistent: Set<string>, ctx: string): void {
  const own = new Map(m.namedParameters('', false));
  const fileParams = params.filter(([, p]) => p !== null);
  const names = (xs: Iterable<string>): string => [...xs].map((k) => `'${k}'`).join(', ') || 'none';
  if (own.size !== fileParams.length || fileParams.some(([k]) => !own.has(k))) {
    throw new SerializationError(`${ctx}: the file has parameters ${names(fileParams.map(([k]) => k))}, the layer built from its attributes has ${names(own.keys())}`);
  }
  for (const [k, p] of fileParams) {
    const mine = own.get(k)!;
    if (!mine.shape.equals(p!.shape)) {
      throw new SerializationError(`${ctx}: parameter '${k}' has shape [${p!.shape.join(', ')}], the layer expects [${mine.shape.join(', ')}]`);
    }
    (m as any)[k] = asParameter(p!);
  }
  const ownBuffers = new Map(m.namedBuffers('', false));
  for (const [k, b] of buffers) {
    if (!ownBuffers.has(k) && b !== null) throw new SerializationError(`${ctx}: unexpected buffer '${k}'`);
    if (b !== null && !ownBuffers.get(k)!.shape.equals(b.shape)) {
      throw new SerializationError(`${ctx}: buffer '${k}' has shape [${b.shape.join(', ')}], the layer expects [${ownBuffers.get(k)!.shape.join(', ')}]`);
    }
    m.registerBuffer(k, b, !nonPersistent.has(k));
  }
}

function attrReader(qualname: string, ctx: string, attrs: Map<string, unknown>, params: [string, Tensor | null][],
  resolve: (v: unknown) => unknown): PickledAttrs {
  const get = (name: string): unknown => {
    if (!attrs.has(name)) throw new SerializationError(`${ctx}: missing attribute '${name}'`);
    return resolve(attrs.get(name));
  };
  const bad = (name: string, want: string, v: unknown): never => {
    throw new SerializationError(`${ctx}: attribute '${name}' is ${typeName(v)}, expected ${want}`);
  };
  return {
    qualname,
    has: (name) => attrs.has(name),
    get,
    int(name) { const v = get(name); return typeof v === 'number' && Number.isInteger(v) ? v : bad(name, 'an int', v); },
    num(name) { const v = get(name); return typeof v === 'number' ? v : bad(name, 'a number', v); },
    bool(name) { const v = get(name); return typeof v === 'boolean' ? v : bad(name, 'a bool', v); },
    str(name) { const v = get(name); return typeof v === 'string' ? v : bad(name, 'a string', v); },
    ints(name) {
      const v = get(name);
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x))) return v as number[];
      return bad(name, 'an int or a tuple of ints', v);
    },
    hasParam: (name) => params.some(([k, p]) => k === name && p !== null),
  };
}
