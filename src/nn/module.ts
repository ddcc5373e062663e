// nn.Module with PyTorch's semantics.
//
// Registration works by assignment, as in Python: a property whose value is a Module is a submodule, one whose
// value is a Parameter is a parameter, in the order they were first assigned (Object.keys order). Buffers are
// registered with registerBuffer() and then read and assigned like any property. Internal state lives in
// non-enumerable properties so that it never shows up as a child.
import { declaredParameterCount, installMethodArgs } from '../args.js';
import { inspect } from 'node:util';
import { Tensor } from '../tensor.js';
import { Parameter } from './parameter.js';
import { noGrad } from '../autograd/grad-mode.js';
import { disposeTemporary, untrack } from '../memory.js';
import { setStateDictMetadata, stateDictMetadata, type StateDictMetadata } from '../serialization/state-dict.js';
import { DType, type DTypeLike, type MemoryFormat, memoryFormatCode, normalizeDtype } from '../dtype.js';
import { Device, type DeviceLike, isDeviceString } from '../device.js';
import { namedTuple, type NamedTuple } from '../return-types.js';

export type StateDict = Record<string, Tensor>;

export { stateDictMetadata, type StateDictMetadata };

/**
 * What loadStateDict returns: PyTorch's _IncompatibleKeys named tuple, `const { missingKeys, unexpectedKeys } =`
 * or `const [missing, unexpected] =`, printed as PyTorch prints it (`<All keys matched successfully>`).
 */
export type LoadStateDictResult = NamedTuple<['missingKeys', 'unexpectedKeys'], string[]> & [missingKeys: string[], unexpectedKeys: string[]];

/** torch.nn.modules.module._IncompatibleKeys */
export function incompatibleKeys(missingKeys: string[], unexpectedKeys: string[]): LoadStateDictResult {
  const list = (keys: string[]): string => `[${keys.map((k) => `'${k}'`).join(', ')}]`;
  return namedTuple('_IncompatibleKeys', ['missingKeys', 'unexpectedKeys'] as const, [missingKeys, unexpectedKeys], () =>
    missingKeys.length || unexpectedKeys.length
      ? `_IncompatibleKeys(missing_keys=${list(missingKeys)}, unexpected_keys=${list(unexpectedKeys)})`
      : '<All keys matched successfully>') as LoadStateDictResult;
}

export type ForwardHook = (module: Module, input: unknown[], output: unknown) => unknown;
export type ForwardPreHook = (module: Module, input: unknown[]) => unknown[] | undefined | void;

export interface RemovableHandle {
  remove(): void;
}

interface ModuleInternals {
  buffers: Map<string, boolean>; // name -> persistent
  forwardHooks: Map<number, ForwardHook>;
  forwardPreHooks: Map<number, ForwardPreHook>;
  nextHookId: number;
}

function addIndent(s: string, n: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  return [lines[0], ...lines.slice(1).map((l) => ' '.repeat(n) + l)].join('\n');
}

function shapeStr(s: number[]): string {
  return `torch.Size([${s.join(', ')}])`;
}

export class Module {
  declare training: boolean;
  declare _internals: ModuleInternals;

  constructor() {
    // A subclass without a constructor of its own passes its arguments here: as Python's Module.__init__, take none.
    if (arguments.length > 0) {
      throw new TypeError(`${new.target.name}() takes no arguments (it has no constructor of its own), got ${arguments.length}`);
    }
    Object.defineProperty(this, 'training', { value: true, writable: true, enumerable: false, configurable: true });
    Object.defineProperty(this, '_internals', {
      value: { buffers: new Map(), forwardHooks: new Map(), forwardPreHooks: new Map(), nextHookId: 0 } satisfies ModuleInternals,
      enumerable: false,
    });
  }

  /** The computation. Subclasses override it; call the module with `call()` so that hooks run. */
  forward(..._args: any[]): any {
    throw new Error(`Module [${this._getName()}] is missing the required "forward" function`);
  }

  /** Python's `module(x)`: forward pre-hooks, forward(), forward hooks. */
  call(...args: any[]): any {
    // JavaScript drops an argument the forward method has no parameter for; Python refuses it. So do we.
    const max = declaredParameterCount(this.forward);
    if (args.length > max) {
      throw new TypeError(`${this._getName()}.forward() takes ${max} positional argument${max === 1 ? '' : 's'} but ${args.length} were given`);
    }
    const int = this._internals;
    if (int.forwardPreHooks.size === 0 && int.forwardHooks.size === 0) return this.forward(...args);
    for (const hook of int.forwardPreHooks.values()) {
      const r = hook(this, args);
      if (r !== undefined && r !== null) args = Array.isArray(r) ? r : [r];
    }
    let out = this.forward(...args);
    for (const hook of int.forwardHooks.values()) {
      const r = hook(this, args, out);
      if (r !== undefined) out = r;
    }
    return out;
  }

  /** Whether forward hooks or pre-hooks are registered on this module (they may hold on to its tensors). */
  hasForwardHooks(): boolean {
    return this._internals.forwardPreHooks.size !== 0 || this._internals.forwardHooks.size !== 0;
  }

  registerForwardHook(hook: ForwardHook): RemovableHandle {
    const id = this._internals.nextHookId++;
    this._internals.forwardHooks.set(id, hook);
    liveForwardHooks++;
    return { remove: () => { if (this._internals.forwardHooks.delete(id)) liveForwardHooks--; } };
  }

  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    const id = this._internals.nextHookId++;
    this._internals.forwardPreHooks.set(id, hook);
    liveForwardHooks++;
    return { remove: () => { if (this._internals.forwardPreHooks.delete(id)) liveForwardHooks--; } };
  }

  // ----- registration ---------------------------------------------------------------------------------
  registerModule(name: string, module: Module | null): void {
    checkName(name, this);
    (this as any)[name] = module;
  }
  addModule(name: string, module: Module | null): void { this.registerModule(name, module); }

  registerParameter(name: string, param: Parameter | null): void {
    checkName(name, this);
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(`cannot assign '${(param as object).constructor?.name}' as parameter '${name}' (nn.Parameter or null expected)`);
    }
    (this as any)[name] = param;
  }

  /** A tensor that is part of the module's state but not learnable (BatchNorm's running_mean). */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    checkName(name, this);
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`buffer '${name}' must be a Tensor or null`);
    if (tensor !== null) untrack(tensor);
    this._internals.buffers.set(name, persistent);
    (this as any)[name] = tensor;
  }

  // ----- traversal ------------------------------------------------------------------------------------
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const k of Object.keys(this)) {
      const v = (this as any)[k];
      if (v instanceof Module) out.push([k, v]);
    }
    return out;
  }
  children(): Module[] { return this.namedChildren().map(([, m]) => m); }

  /** Every module of the tree with its dotted name, this one first (PyTorch's named_modules(memo, prefix, remove_duplicate)). */
  namedModules(memo: Set<Module> | null = null, prefix = '', removeDuplicate = true): [string, Module][] {
    const seen = memo ?? new Set<Module>();
    if (removeDuplicate && seen.has(this)) return [];
    seen.add(this);
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.namedChildren()) out.push(...m.namedModules(seen, prefix ? `${prefix}.${name}` : name, removeDuplicate));
    return out;
  }
  modules(): Module[] { return this.namedModules().map(([, m]) => m); }

  /** This module's own parameters (not its children's), in registration order. */
  protected localParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const k of Object.keys(this)) {
      const v = (this as any)[k];
      if (v instanceof Parameter && !this._internals.buffers.has(k)) out.push([k, v]);
    }
    return out;
  }
  protected localBuffers(persistentOnly = false): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, persistent] of this._internals.buffers) {
      const v = (this as any)[k];
      if (v instanceof Tensor && (!persistentOnly || persistent)) out.push([k, v]);
    }
    return out;
  }

  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    const seen = new Set<Tensor>();
    const out: [string, Parameter][] = [];
    const mods: [string, Module][] = recurse ? this.namedModules(null, prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [k, p] of m.localParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([mp ? `${mp}.${k}` : k, p]);
      }
    }
    return out;
  }
  parameters(recurse = true): Parameter[] { return this.namedParameters('', recurse).map(([, p]) => p); }

  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    const mods: [string, Module][] = recurse ? this.namedModules(null, prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [k, b] of m.localBuffers()) {
        if (seen.has(b)) continue;
        seen.add(b);
        out.push([mp ? `${mp}.${k}` : k, b]);
      }
    }
    return out;
  }
  buffers(recurse = true): Tensor[] { return this.namedBuffers('', recurse).map(([, b]) => b); }

  /** The number of parameter elements (optionally only those that require grad). */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    return this.parameters().filter((p) => !opts.trainableOnly || p.requiresGrad).reduce((n, p) => n + p.numel(), 0);
  }

  getSubmodule(target: string): Module {
    if (target === '') return this;
    let m: Module = this;
    for (const part of target.split('.')) {
      const next = (m as any)[part];
      if (!(next instanceof Module)) throw new Error(`${m._getName()} has no submodule '${part}' (looking up '${target}')`);
      m = next;
    }
    return m;
  }
  getParameter(target: string): Parameter {
    const i = target.lastIndexOf('.');
    const m = this.getSubmodule(i < 0 ? '' : target.slice(0, i));
    const p = (m as any)[target.slice(i + 1)];
    if (!(p instanceof Parameter)) throw new Error(`'${target}' is not a parameter of ${this._getName()}`);
    return p;
  }

  // ----- state ----------------------------------------------------------------------------------------
  /**
   * Parameters and persistent buffers by PyTorch's dotted names ("features.0.weight"), parameters before
   * buffers within each module, modules in registration order. The tensors share memory with the module
   * (detached, as in PyTorch) unless keepVars.
   */
  stateDict(opts: { prefix?: string; keepVars?: boolean } = {}): StateDict {
    const out: StateDict = {};
    // PyTorch's OrderedDict._metadata: each module's format version by prefix, saved with the dict so that
    // a loader (torchvision's MNASNet, BatchNorm before num_batches_tracked) knows which layout it reads.
    const metadata: StateDictMetadata = {};
    setStateDictMetadata(out, metadata);
    this.saveToStateDict(out, opts.prefix ?? '', opts.keepVars ?? false, metadata);
    return out;
  }

  /** The state-dict format version of this module (PyTorch's `_version`): 2 for the norm layers, else 1. */
  get stateDictVersion(): number {
    return (this.constructor as { _version?: number })._version ?? 1;
  }

  protected saveToStateDict(out: StateDict, prefix: string, keepVars: boolean, metadata?: StateDictMetadata): void {
    if (metadata !== undefined) metadata[prefix.slice(0, -1)] = { version: this.stateDictVersion };
    for (const [k, p] of this.localParameters()) out[prefix + k] = keepVars ? p : p.detach();
    for (const [k, b] of this.localBuffers(true)) out[prefix + k] = keepVars ? b : b.detach();
    for (const [name, m] of this.namedChildren()) m.saveToStateDict(out, `${prefix}${name}.`, keepVars, metadata);
  }

  /**
   * Copies a state dict into this module's parameters and buffers. With strict (the default), missing and
   * unexpected keys are an error; a shape mismatch is always an error that names the key and both shapes.
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, opts: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const sd: StateDict = stateDict instanceof Map ? Object.fromEntries(stateDict) : { ...stateDict };
    const missingKeys: string[] = [];
    const errors: string[] = [];
    const used = new Set<string>();
    noGrad(() => {
      for (const [prefix, m] of this.namedModules()) {
        m.loadFromStateDict(sd, prefix ? `${prefix}.` : '', missingKeys, used, errors);
      }
    });
    const unexpectedKeys = Object.keys(sd).filter((k) => !used.has(k));
    if (strict) {
      if (unexpectedKeys.length) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
      if (missingKeys.length) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    }
    if (errors.length) throw new Error(`Error(s) in loading state_dict for ${this._getName()}:\n\t${errors.join('\n\t')}`);
    return incompatibleKeys(missingKeys, unexpectedKeys);
  }

  /** Loads this module's own entries (not its children's); layers override it to migrate old formats. */
  protected loadFromStateDict(sd: StateDict, prefix: string, missing: string[], used: Set<string>, errors: string[]): void {
    const local: [string, Tensor][] = [...this.localParameters(), ...this.localBuffers(true)];
    for (const [k, target] of local) {
      const key = prefix + k;
      const src = sd[key];
      if (src === undefined) {
        missing.push(key);
        continue;
      }
      used.add(key);
      if (!(src instanceof Tensor)) {
        errors.push(`While copying the parameter named "${key}", expected a Tensor in the state dict, got ${typeof src}.`);
        continue;
      }
      const a = src.shape;
      const b = target.shape;
      if (a.length !== b.length || a.some((v, i) => v !== b[i])) {
        errors.push(`size mismatch for ${key}: copying a param with shape ${shapeStr(a)} from checkpoint, the shape in current model is ${shapeStr(b)}.`);
        continue;
      }
      try {
        target.copy_(src);
      } catch (e) {
        errors.push(`While copying the parameter named "${key}", whose dimensions in the model are ${shapeStr(b)} and whose dimensions in the checkpoint are ${shapeStr(a)}, an exception occurred: ${(e as Error).message}`);
      }
    }
  }

  // ----- modes and bulk changes -----------------------------------------------------------------------
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this { return this.train(false); }

  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Resets the gradients of all parameters: to zeros (PyTorch 1.13's default) or, with setToNone, to null. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = opts.setToNone ?? false;
    for (const p of this.parameters()) {
      if (setToNone) p.grad = null;
      else {
        const g = p.grad;
        if (g !== null) { g.detach_().zero_(); g.dispose(); }
      }
    }
  }

  /** Calls fn on every submodule (children first) and on this module, as Module.apply. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Moves or casts parameters and buffers in place (floating-point ones only for a dtype, as in PyTorch).
   * `memoryFormat` (Python's `memory_format=`, e.g. `model.to({ memoryFormat: 'channelsLast' })`) re-lays out the
   * 4-d and 5-d ones only, as Module._apply does: convolution weights for channels-last inference.
   */
  to(target: DTypeLike | DeviceLike | { device?: DeviceLike; dtype?: DTypeLike; memoryFormat?: MemoryFormat }): this {
    let device: DeviceLike | undefined;
    let dtype: DTypeLike | undefined;
    let memoryFormat: MemoryFormat | undefined;
    if (target instanceof DType) dtype = target;
    else if (target instanceof Device) device = target;
    else if (typeof target === 'string') {
      if (isDeviceString(target)) device = target; else dtype = normalizeDtype(target as DTypeLike);
    } else if (target !== null && typeof target === 'object') {
      for (const k of Object.keys(target)) {
        if (k !== 'device' && k !== 'dtype' && k !== 'memoryFormat') {
          throw new TypeError(`Module.to: unexpected option '${k}' (expected device, dtype and/or memoryFormat)`);
        }
      }
      ({ device, dtype, memoryFormat } = target);
      if (memoryFormat !== undefined) memoryFormatCode(memoryFormat); // an unknown name is an error naming the valid ones
    } else throw new TypeError(`Module.to: expected a device, a dtype or {device, dtype, memoryFormat}, got ${String(target)}`);
    // As Module._apply's convert(): the memory format applies to 4-d and 5-d tensors only.
    const convert = (t: Tensor): Tensor => t.to({
      device, dtype: dtype && t.isFloatingPoint() ? dtype : undefined,
      ...(memoryFormat !== undefined && (t.dim() === 4 || t.dim() === 5) ? { memoryFormat } : {}),
    });
    noGrad(() => {
      for (const m of this.modules()) {
        for (const [, p] of m.localParameters()) {
          p.setData(convert(p));
          const g = p.grad;
          if (g !== null) p.grad = convert(g);
        }
        for (const [k, b] of m.localBuffers()) {
          const moved = convert(b);
          untrack(moved);
          (m as any)[k] = moved;
        }
      }
    });
    return this;
  }
  cpu(): this { return this.to('cpu'); }
  cuda(device: number | string = 0): this { return this.to(typeof device === 'number' ? `cuda:${device}` : device); }
  float(): this { return this.to('float32'); }
  double(): this { return this.to('float64'); }
  half(): this { return this.to('float16'); }

  // ----- printing -------------------------------------------------------------------------------------
  /** The class name printed for this module. */
  _getName(): string { return this.constructor.name; }
  /** The text inside the parentheses when printed (extra_repr). */
  extraRepr(): string { return ''; }

  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = this.namedChildren().map(([k, m]) => `(${k}): ${addIndent(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = this._getName() + '(';
    if (lines.length) {
      if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
      else s += '\n  ' + lines.join('\n  ') + '\n';
    }
    return s + ')';
  }
  [inspect.custom](): string { return this.toString(); }
}

function checkName(name: string, m: Module): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new TypeError(`${m._getName()}: a module, parameter or buffer name must be a non-empty string without '.', got '${name}'`);
  }
}

/**
 * Feeds `input` through `modules` in order, as Sequential does, and frees each intermediate output as soon as
 * the next module has consumed it (see disposeTemporary: only inside a tidy scope, and never a tensor that a
 * hook saw, that a module passed through unchanged, or that is not a plain Tensor result). Python frees these
 * by reference counting; without it every activation of a forward pass stays alive to the end of the scope.
 */
/** Forward hooks and pre-hooks registered and not removed, on any module: while there are none, no subtree walk. */
let liveForwardHooks = 0;

/**
 * Whether a hook on `m` or on any module inside it may have seen (and kept) a tensor `m` returns: an inner
 * BatchNorm's hook sees the tensor its block's in-place ReLU returns. The models' early frees ask this.
 */
export function hookMaySeeOutput(m: Module): boolean {
  return liveForwardHooks > 0 && m.modules().some((x) => x.hasForwardHooks());
}

export function callChain(input: any, modules: Iterable<Module>): any {
  let x = input;
  // whether a hook has seen x: its producer's, or those of modules that passed it through (an in-place ReLU
  // returns the tensor a hooked convolution made)
  let seenByHook = false;
  for (const m of modules) {
    const y = m.call(x);
    const hooked = hookMaySeeOutput(m);
    if (y === x) {
      seenByHook ||= hooked;
      continue;
    }
    if (x !== input && x instanceof Tensor && y instanceof Tensor && !seenByHook && !hooked) disposeTemporary(x);
    x = y;
    seenByHook = hooked;
  }
  return x;
}

/**
 * Frees `t`, an output of `producer` that the caller has finished with, unless a hook on `producer` or inside it
 * saw it (the hook may keep it). Only inside a tidy scope, and only a tensor the scope owns (see disposeTemporary).
 */
export function releaseOutput(producer: Module, t: unknown): void {
  if (t instanceof Tensor && !hookMaySeeOutput(producer)) disposeTemporary(t);
}

// PyTorch's argument binding for Module's methods (see args.ts): positional order, options objects, and errors for
// extra or unknown arguments. forward/call take whatever the layer's forward takes.
installMethodArgs('Module', Module.prototype, {
  registerForwardHook: ['torch.nn.Module.register_forward_hook', 'hook'],
  registerForwardPreHook: ['torch.nn.Module.register_forward_pre_hook', 'hook'],
  registerModule: ['torch.nn.Module.register_module', 'name, module'],
  addModule: ['torch.nn.Module.add_module', 'name, module'],
  registerParameter: ['torch.nn.Module.register_parameter', 'name, param'],
  registerBuffer: ['torch.nn.Module.register_buffer', 'name, tensor, persistent?'],
  namedChildren: ['torch.nn.Module.named_children', ''],
  children: ['torch.nn.Module.children', ''],
  namedModules: ['torch.nn.Module.named_modules', 'memo?, prefix?, removeDuplicate?'],
  modules: ['torch.nn.Module.modules', ''],
  namedParameters: ['torch.nn.Module.named_parameters', 'prefix?, recurse?'],
  parameters: ['torch.nn.Module.parameters', 'recurse?'],
  namedBuffers: ['torch.nn.Module.named_buffers', 'prefix?, recurse?'],
  buffers: ['torch.nn.Module.buffers', 'recurse?'],
  numParameters: ['(tstorch) the number of parameter elements', '; trainableOnly'],
  getSubmodule: ['torch.nn.Module.get_submodule', 'target'],
  getParameter: ['torch.nn.Module.get_parameter', 'target'],
  stateDict: ['torch.nn.Module.state_dict', '; *, prefix, keepVars'],
  loadStateDict: ['torch.nn.Module.load_state_dict', 'stateDict:dict; strict'],
  train: ['torch.nn.Module.train', 'mode?'],
  eval: ['torch.nn.Module.eval', ''],
  requiresGrad_: ['torch.nn.Module.requires_grad_', 'requiresGrad?'],
  zeroGrad: ['torch.nn.Module.zero_grad', '; setToNone'],
  apply: ['torch.nn.Module.apply', 'fn'],
  to: ['torch.nn.Module.to', 'target?:dict'],
  cpu: ['torch.nn.Module.cpu', ''],
  cuda: ['torch.nn.Module.cuda', 'device?'],
  float: ['torch.nn.Module.float', ''],
  double: ['torch.nn.Module.double', ''],
  half: ['torch.nn.Module.half', ''],
  hasForwardHooks: ['(tstorch) whether forward hooks are registered', ''],
});
