// TorchScript values in and out of the addon: tensor handles become Tensors, module records ScriptModules,
// dictionaries Maps; Tensors and ScriptModules go back as their handles.
import { types } from 'node:util';
import { Tensor } from '../tensor.js';
import type { Handle } from '../native/binding.js';
import type { ModuleHandle } from './native.js';

/** Set by script-module.ts (which imports this file): how a module handle becomes a ScriptModule. */
let moduleFactory: ((h: ModuleHandle) => unknown) | undefined;
export function setModuleFactory(f: (h: ModuleHandle) => unknown): void {
  moduleFactory = f;
}

export function fromNative(v: unknown): unknown {
  if (v === null || v === undefined) return v;
  if (types.isExternal(v)) return new Tensor(v as Handle);
  if (Array.isArray(v)) return v.map(fromNative);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('__module__' in o) return moduleFactory!(o.__module__ as ModuleHandle);
    if ('__dict__' in o) return new Map((o.__dict__ as [unknown, unknown][]).map(([k, x]) => [fromNative(k), fromNative(x)]));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = fromNative(x);
    return out;
  }
  return v;
}

export function toNative(v: unknown): unknown {
  if (v instanceof Tensor) return v._h;
  if (v !== null && typeof v === 'object' && '_c' in v && types.isExternal((v as { _c: unknown })._c)) return (v as { _c: unknown })._c;
  if (Array.isArray(v)) return v.map(toNative);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toNative(x)]));
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toNative(x)]));
  }
  return v;
}
