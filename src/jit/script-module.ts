// ScriptModule: a TorchScript module (traced here, or loaded from a file that Python or tstorch wrote), usable
// like any nn.Module: call it, list its parameters and buffers by PyTorch's names, load a state dict into it,
// switch train/eval, print its graph and code, save it.
//
// Its state lives in the native torch::jit::Module: parameters, buffers and submodules are read from the
// module's attributes each time they are asked for (the Tensor objects handed out share memory with them), so
// a ScriptModule never holds a second copy of the weights.
import { Module } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { Tensor } from '../tensor.js';
import { untrack } from '../memory.js';
import { writeFileAtomic } from '../serialization/atomic.js';
import { jitNative as J, type ModuleHandle, type AttributeKind } from './native.js';
import { fromNative, toNative, setModuleFactory } from './values.js';
import { bindOwn, classArgs } from '../args.js';

export class ScriptModule extends Module {
  /** The native torch::jit::Module. Internal. */
  declare readonly _c: ModuleHandle;
  declare private _cache: Map<string, Parameter | Tensor | ScriptModule>;

  constructor(handle: ModuleHandle) {
    [handle] = bindOwn(ScriptModule, arguments) as ConstructorParameters<typeof ScriptModule>;
    super();
    Object.defineProperty(this, '_c', { value: handle, enumerable: false });
    Object.defineProperty(this, '_cache', { value: new Map(), enumerable: false });
    const training = this.hasAttr('training') ? J.jitGetAttr(handle, 'training') : false;
    this.training = training === true;
  }

  /** The TorchScript class name ('__torch__.torchvision.models.resnet.ResNet'). */
  get qualifiedName(): string { return J.jitTypeName(this._c); }
  /** The name of the Python (or tstorch) class the module was made from ('ResNet'). */
  get originalName(): string {
    const parts = this.qualifiedName.split('.');
    return parts[parts.length - 1]!;
  }

  override forward(...args: unknown[]): any {
    return this.runMethod('forward', ...args);
  }

  /** Calls a TorchScript method by name (`forward`, or any other the module defines). */
  runMethod(name: string, ...args: unknown[]): any {
    return fromNative(J.jitRun(this._c, name, args.map(toNative)));
  }

  /** The names of this module's methods. */
  methods(): string[] { return J.jitMethods(this._c); }
  /** A method's schema, as TorchScript prints it: 'forward(__torch__.X self, Tensor x) -> (Tensor)'. */
  methodSchema(name = 'forward'): string { return J.jitMethodSchema(this._c, name); }

  /** forward's graph, as Python's `module.graph` prints it (submodule calls not inlined). */
  get graph(): string { return J.jitGraph(this._c, 'forward', false); }
  /** forward's graph with every submodule call inlined (Python's `module.inlined_graph`). */
  get inlinedGraph(): string { return J.jitGraph(this._c, 'forward', true); }
  /** forward as TorchScript source (Python's `module.code`). */
  get code(): string { return J.jitCode(this._c, 'forward'); }
  methodGraph(name: string, opts: { inlined?: boolean } = {}): string { return J.jitGraph(this._c, name, opts.inlined ?? false); }
  methodCode(name: string): string { return J.jitCode(this._c, name); }

  /** Whether the module has an attribute (parameter, buffer, submodule or plain attribute) of that name. */
  hasAttr(name: string): boolean {
    return J.jitAttributes(this._c).some(([n]) => n === name);
  }
  /** An attribute's value: tensors, numbers, strings, lists, Maps, ScriptModules. */
  attr(name: string): any {
    return fromNative(J.jitGetAttr(this._c, name));
  }
  /** Sets an existing attribute (converted to its declared TorchScript type). */
  setAttr(name: string, value: unknown): void {
    J.jitSetAttr(this._c, name, toNative(value));
    this._cache.delete(name);
  }

  /** The module's own attributes with their kinds, in TorchScript's slot order. */
  attributes(): [string, AttributeKind][] {
    return J.jitAttributes(this._c).map(([n, k]) => [n, k]);
  }

  // The nn.Module views of the native state. Wrappers are cached by name so that their identity is stable
  // (optimizers, memo sets); a wrapper is replaced when the native attribute no longer shares its memory.
  private wrapped(kind: AttributeKind): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const [name, k, value] of J.jitAttributes(this._c)) {
      if (k !== kind || value === null) continue;
      const cached = this._cache.get(name);
      if (kind === 'module') {
        const h = (value as { __module__: ModuleHandle }).__module__;
        if (cached instanceof ScriptModule && sameModule(cached._c, h)) out.push([name, cached]);
        else {
          const sm = new ScriptModule(h);
          this._cache.set(name, sm);
          out.push([name, sm]);
        }
        continue;
      }
      const t = new Tensor(value as never);
      untrack(t);
      if (cached instanceof Tensor && !cached.isDisposed && sameTensor(cached, t)) {
        t.dispose();
        out.push([name, cached]);
        continue;
      }
      const w = kind === 'parameter' ? new Parameter(t, t.requiresGrad) : t;
      if (w !== t) t.dispose();
      this._cache.set(name, w);
      out.push([name, w]);
    }
    return out;
  }

  override namedChildren(): [string, Module][] {
    return this.wrapped('module') as [string, Module][];
  }
  protected override localParameters(): [string, Parameter][] {
    return this.wrapped('parameter') as [string, Parameter][];
  }
  protected override localBuffers(_persistentOnly = false): [string, Tensor][] {
    return this.wrapped('buffer') as [string, Tensor][];
  }

  override getSubmodule(target: string): Module {
    if (target === '') return this;
    let m: Module = this;
    for (const part of target.split('.')) {
      const next = m.namedChildren().find(([n]) => n === part)?.[1];
      if (!next) throw new Error(`${m._getName()} has no submodule '${part}' (looking up '${target}')`);
      m = next;
    }
    return m;
  }

  override getParameter(target: string): Parameter {
    const i = target.lastIndexOf('.');
    const m = this.getSubmodule(i < 0 ? '' : target.slice(0, i)) as ScriptModule;
    const p = m.localParameters().find(([n]) => n === target.slice(i + 1))?.[1];
    if (!p) throw new Error(`'${target}' is not a parameter of ${this._getName()}`);
    return p;
  }

  override train(mode = true): this {
    J.jitTrain(this._c, mode);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  override to(target: string | { device?: string; dtype?: any }): this {
    void target;
    throw new Error('ScriptModule.to: moving or casting a TorchScript module is not supported here; convert the tstorch model before tracing');
  }

  /** Saves the module as a TorchScript archive (torch.jit.save), atomically. */
  save(path: string): void {
    const bytes = new Uint8Array(J.jitSave(this._c));
    writeFileAtomic(path, (sink) => sink.write(bytes));
  }

  override _getName(): string { return 'RecursiveScriptModule'; }
  override extraRepr(): string { return `original_name=${this.originalName}`; }
}
classArgs(ScriptModule, 'torch.jit.ScriptModule', 'handle:dict');

function sameTensor(a: Tensor, b: Tensor): boolean {
  return a.storageInfo().key === b.storageInfo().key && a.storageOffset() === b.storageOffset() && a.shape.join() === b.shape.join();
}

// Class types are unique per module instance in a traced or loaded tree (mangled names), so the same type
// name under the same attribute means the same submodule.
function sameModule(a: ModuleHandle, b: ModuleHandle): boolean {
  return J.jitTypeName(a) === J.jitTypeName(b);
}

setModuleFactory((h) => new ScriptModule(h));
