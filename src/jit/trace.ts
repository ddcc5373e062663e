// torch.jit.trace: records a tstorch forward pass with libtorch's tracer (Python's torch.jit.trace_module).
//
// The module tree is mirrored as torch::jit::Modules that hold the very tensors of the tstorch parameters and
// buffers under the same names, so the graph reads them as attributes; every submodule call is recorded in a
// scope named after its path, from which the tracer builds one method per submodule, as in Python. The forward
// pass itself runs here, synchronously, in JavaScript: every operator it calls goes through libtorch's
// dispatcher, where the Tracer key records it.
import { Module, type RemovableHandle } from '../nn/module.js';
import { Tensor } from '../tensor.js';
import { tidy, keep } from '../memory.js';
import { noGrad } from '../autograd/grad-mode.js';
import { jitNative as J, type ModuleHandle } from './native.js';
import { ScriptModule } from './script-module.js';
import { bindOwn, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(trace, 'trace', 'torch.jit.trace', 'func, exampleInputs; *, checkTrace, checkTolerance, strict');

export interface TraceOptions {
  /**
   * Re-run the traced module on the example inputs and compare with the eager outputs (Python's check_trace).
   * A mismatch is a TracerWarning, as in Python: the trace recorded something other than what the model
   * computes (data-dependent control flow, or dropout in training mode). Default true.
   */
  checkTrace?: boolean;
  /** Relative and absolute tolerance of that check (default 1e-5, as Python's). */
  checkTolerance?: number;
  /** Python's `strict`: refuse mutable containers (lists, dicts) as outputs. Default true. */
  strict?: boolean;
}

/** A TorchScript class name for a tstorch module: `__torch__.tstorch.ClassName` (mangled per instance). */
function className(m: Module): string {
  const name = m._getName().replace(/[^A-Za-z0-9_]/g, '_') || 'Module';
  return `__torch__.tstorch.${/^[0-9]/.test(name) ? `_${name}` : name}`;
}

/** Mirrors a tstorch module tree as torch::jit::Modules sharing its tensors. */
function mirror(root: Module): ModuleHandle {
  const made = new Map<Module, ModuleHandle>();
  let rootHandle: ModuleHandle | undefined;
  const build = (m: Module): ModuleHandle => {
    const existing = made.get(m);
    if (existing) return existing;
    const h = J.jitNewModule(className(m), rootHandle);
    rootHandle ??= h;
    made.set(m, h);
    J.jitSetTraining(h, m.training);
    for (const [name, p] of m.namedParameters('', false)) J.jitRegisterTensor(h, name, p._h, true);
    for (const [name, b] of m.namedBuffers('', false)) J.jitRegisterTensor(h, name, b._h, false);
    for (const [name, child] of m.namedChildren()) J.jitRegisterModule(h, name, build(child));
    return h;
  };
  return build(root);
}

type Outputs = Tensor | Outputs[];

function handlesOf(out: unknown, where = 'output'): unknown {
  if (out instanceof Tensor) return out._h;
  if (Array.isArray(out)) return out.map((o, i) => handlesOf(o, `${where}[${i}]`));
  throw new TypeError(`torch.jit.trace: the forward pass must return a Tensor or an array of Tensors; ${where} is ${out === null ? 'null' : typeof out}`);
}

function flatten(out: unknown): Tensor[] {
  if (out instanceof Tensor) return [out];
  if (Array.isArray(out)) return out.flatMap(flatten);
  return [];
}

/**
 * Traces `module`'s forward pass on `exampleInputs` (a Tensor or an array of Tensors, one per forward
 * argument) and returns the ScriptModule: callable like the module, with its parameters and buffers under the
 * same names (shared, not copied), `graph` and `code` printable, `save()`able for Python's torch.jit.load.
 *
 * As in Python, a trace records the operations of this one run: control flow that depends on the data, and
 * sizes read from tensors, are fixed at the traced values.
 */
export function trace(module: Module | ((...xs: Tensor[]) => Outputs), exampleInputs: Tensor | Tensor[], opts: TraceOptions = {}): ScriptModule {
  [module, exampleInputs, opts = {}] = bindOwn(trace, arguments) as Parameters<typeof trace>;
  const inputs = exampleInputs instanceof Tensor ? [exampleInputs] : exampleInputs;
  if (!Array.isArray(inputs) || inputs.some((x) => !(x instanceof Tensor))) {
    throw new TypeError('torch.jit.trace: exampleInputs must be a Tensor or an array of Tensors (one per forward argument)');
  }
  if (module instanceof ScriptModule) throw new TypeError('torch.jit.trace: the module is already a ScriptModule');
  if (typeof module === 'function') {
    const fn = module;
    module = new (class TracedFunction extends Module {
      override forward(...xs: Tensor[]): Outputs { return fn(...xs); }
    })();
  }
  const root = module as Module;
  const handle = mirror(root);

  // Scopes: every submodule call pushes its path (Python's _slow_forward with _trace_module_map).
  const hooks: RemovableHandle[] = [];
  for (const [path, m] of root.namedModules()) {
    if (path === '') continue;
    hooks.push(m.registerForwardPreHook(() => { J.jitPushScope(`__module.${path}`); }));
    hooks.push(m.registerForwardHook(() => { J.jitPopScope(); }));
  }
  let eager: unknown;
  try {
    eager = tidy(() => {
      let out: unknown;
      J.jitTrace(handle, 'forward', inputs.map((x) => x._h), (...hs) => {
        out = root.call(...hs.map((h) => new Tensor(h)));
        return handlesOf(out);
      }, argNames(root, inputs.length), opts.strict ?? true);
      return keep(out);
    });
  } finally {
    for (const h of hooks) h.remove();
  }
  const traced = new ScriptModule(handle);
  if (opts.checkTrace ?? true) checkTrace(traced, inputs, eager, opts.checkTolerance ?? 1e-5);
  return traced;
}

/** forward's parameter names, where the source says them (Python names graph inputs after them). */
function argNames(m: Module, n: number): string[] {
  const src = Function.prototype.toString.call(m.forward);
  const match = /^[^(]*\(([^)]*)\)/.exec(src);
  const names = match ? match[1]!.split(',').map((s) => s.trim().replace(/[:=].*$/, '').replace(/^\.\.\./, '').trim()).filter(Boolean) : [];
  if (names.length !== n || names.some((s) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(s))) return [];
  return names;
}

function checkTrace(traced: ScriptModule, inputs: Tensor[], eager: unknown, tol: number): void {
  noGrad(() => tidy(() => {
    const again = flatten(traced.call(...inputs));
    const expected = flatten(eager);
    if (again.length !== expected.length) {
      process.emitWarning(`the traced module returns ${again.length} tensors, the module ${expected.length}`, 'TracerWarning');
      return;
    }
    again.forEach((a, i) => {
      const e = expected[i]!;
      if (a.shape.join() !== e.shape.join() || !a.allclose(e, { rtol: tol, atol: tol })) {
        process.emitWarning(`output ${i} of the traced module does not match the module's (shape ` +
          `${JSON.stringify(a.shape)} vs ${JSON.stringify(e.shape)}): the forward pass depends on something the trace fixed ` +
          '(data-dependent control flow, randomness such as dropout in training mode, state).', 'TracerWarning');
      }
    });
  }));
}
