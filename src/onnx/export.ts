// torch.onnx.export: a tstorch module (or a ScriptModule) to an ONNX file, through the traced TorchScript graph.
//
// The model is traced (torch.jit.trace) in eval mode, as Python's exporter does by default, and every node of
// the inlined graph is converted by its registered symbolic (symbolic.ts; the classification operators in
// symbolic-aten.ts). Parameters become initializers under their state-dict names. With doConstantFolding (the
// default) batch norms that follow convolutions are folded into them, as PyTorch's exporter does for an
// eval-mode model (fold.ts). The model is written with ONNX's protobuf schema (onnx-proto), atomically.
import type { onnx as OnnxNamespace } from 'onnx-proto';
import { Module } from '../nn/module.js';
import { Tensor } from '../tensor.js';
import { native } from '../native/binding.js';
import { noGrad } from '../autograd/grad-mode.js';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../serialization/atomic.js';
import { ScriptModule } from '../jit/script-module.js';
import { trace } from '../jit/trace.js';
import { foldBatchNorms } from './fold.js';
import { jitNative as J, type GraphData, type GraphNode, type GraphValue } from '../jit/native.js';
import { fromNative } from '../jit/values.js';
import { onnx, onnxDataType, SCALAR_TYPE } from './proto.js';
import { OnnxGraph, type OnnxValue } from './graph.js';
import { symbolicFor, type SymbolicContext, type TracedType } from './symbolic.js';
import './symbolic-aten.js';
import { tensor as makeTensor } from '../creation.js';
import { bindOwn, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(exportOnnx, 'export', 'torch.onnx.export', 'model, args, f; *, opsetVersion, inputNames, outputNames, dynamicAxes, doConstantFolding, training, producerName, externalData');
registerSignature(exportToBytes, 'exportToBytes', 'tstorch.onnx.exportToBytes', 'model, args; *, opsetVersion, inputNames, outputNames, dynamicAxes, doConstantFolding, training, producerName, externalData');

export const DEFAULT_OPSET = 14; // PyTorch 1.13's default
export const MIN_OPSET = 11;
export const MAX_OPSET = 17;

export interface ExportOptions {
  /** Default 14 (PyTorch 1.13's default); 11 to 17. */
  opsetVersion?: number;
  /** Names of the graph inputs, in order (default 'input', or 'input0', 'input1', ...). */
  inputNames?: string[];
  /** Names of the graph outputs, in order (default 'output', or 'output0', ...). */
  outputNames?: string[];
  /**
   * Dimensions that vary at run time, by input or output name: `{ input: { 0: 'batch' }, output: { 0: 'batch' } }`
   * or `{ input: [0] }` (named `<name>_dynamic_axes_<i>` as PyTorch does).
   */
  dynamicAxes?: Record<string, Record<number, string> | number[]>;
  /** Fold constants (batch norms into convolutions, parameter transforms). Default true, as in PyTorch. */
  doConstantFolding?: boolean;
  /** Export in training mode (batch norm with batch statistics, dropout active): not supported; false by default. */
  training?: boolean;
  /** The producer string in the model (default 'tstorch'). */
  producerName?: string;
  /**
   * Write the weights to `<file>.data` beside the model (ONNX's external data format). Default: only when they
   * exceed protobuf's 2 GiB limit (RegNetY-128GF).
   */
  externalData?: boolean;
}

type Val =
  | { kind: 'tensor'; v: OnnxValue }
  | { kind: 'const'; value: unknown }
  | { kind: 'module'; path: string }
  | { kind: 'list'; items: Val[] };

/** The ONNX model of a module, as bytes (what export() writes). */
export function exportToBytes(model: Module, args: Tensor | Tensor[], opts: ExportOptions = {}): Uint8Array {
  [model, args, opts = {}] = bindOwn(exportToBytes, arguments) as Parameters<typeof exportToBytes>;
  const { opset, inputs } = checkArgs(args, opts);
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      const c = convertModel(model, inputs, opset, opts);
      if (weightBytes(c) > PROTOBUF_LIMIT) {
        throw new Error(`torch.onnx.export: the model's weights (${(weightBytes(c) / 2 ** 30).toFixed(2)} GiB) exceed protobuf's 2 GiB limit; ` +
          'export to a file (torch.onnx.export), which writes them to an external data file');
      }
      return encode(c.model(c.graph.initializerProtos()));
    });
  } finally {
    model.train(wasTraining);
  }
}

function checkArgs(args: Tensor | Tensor[], opts: ExportOptions): { opset: number; inputs: Tensor[] } {
  const opset = opts.opsetVersion ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new RangeError(`torch.onnx.export: opsetVersion ${opset} is not supported (${MIN_OPSET} to ${MAX_OPSET})`);
  }
  if (opts.training) throw new Error('torch.onnx.export: exporting in training mode is not supported; export the eval-mode model (the default)');
  const inputs = args instanceof Tensor ? [args] : args;
  if (!Array.isArray(inputs) || inputs.some((x) => !(x instanceof Tensor))) {
    throw new TypeError('torch.onnx.export: args must be a Tensor or an array of Tensors (one per forward argument)');
  }
  for (const k of Object.keys(opts)) {
    if (!['opsetVersion', 'inputNames', 'outputNames', 'dynamicAxes', 'doConstantFolding', 'training', 'producerName', 'externalData'].includes(k)) {
      throw new TypeError(`torch.onnx.export: unknown option '${k}'`);
    }
  }
  return { opset, inputs };
}

/**
 * Python's torch.onnx.export(model, args, f, ...): writes `path` (atomically). The file passes
 * onnx.checker.check_model(full_check=True) and runs in ONNX Runtime (onnxruntime-node, onnxruntime-web).
 */
export function exportOnnx(model: Module, args: Tensor | Tensor[], path: string, opts: ExportOptions = {}): void {
  [model, args, path, opts = {}] = bindOwn(exportOnnx, arguments) as Parameters<typeof exportOnnx>;
  const { opset, inputs } = checkArgs(args, opts);
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      const c = convertModel(model, inputs, opset, opts);
      const external = opts.externalData ?? weightBytes(c) > PROTOBUF_LIMIT;
      if (!external) {
        const bytes = encode(c.model(c.graph.initializerProtos()));
        writeFileAtomic(path, (sink) => sink.write(bytes));
        return;
      }
      // The weights first (the model file names them), each file written atomically.
      const location = `${basename(path)}.data`;
      let initializer: OnnxNamespace.ITensorProto[] = [];
      writeFileAtomic(join(dirname(path), location), (sink) => {
        initializer = c.graph.initializerProtos({ location, write: (b) => sink.write(b) });
      });
      const bytes = encode(c.model(initializer));
      writeFileAtomic(path, (sink) => sink.write(bytes));
    });
  } finally {
    model.train(wasTraining);
  }
}

function convertModel(model: Module, inputs: Tensor[], opset: number, opts: ExportOptions): Converted {
  const script = model instanceof ScriptModule ? model : trace(model, inputs, { checkTrace: false });
  return convert(script, J.jitGraphData(script._c, 'forward'), inputs, opset, opts);
}

function dynamicAxesOf(spec: ExportOptions['dynamicAxes'], name: string): Map<number, string> {
  const out = new Map<number, string>();
  const s = spec?.[name];
  if (s === undefined) return out;
  if (Array.isArray(s)) {
    for (const d of s) out.set(d, `${name}_dynamic_axes_${out.size + 1}`);
  } else {
    for (const [d, n] of Object.entries(s)) out.set(Number(d), n);
  }
  return out;
}

function convert(script: ScriptModule, g: GraphData, inputs: Tensor[], opset: number, opts: ExportOptions): Converted {
  const graph = new OnnxGraph();
  const vals = new Map<number, Val>();

  // Inputs: the first graph input is the module itself.
  const graphInputs = g.inputs.filter((v) => v.type.kind !== 'ClassType');
  const self = g.inputs.find((v) => v.type.kind === 'ClassType');
  if (self) vals.set(self.id, { kind: 'module', path: '' });
  if (graphInputs.length !== inputs.length) {
    throw new Error(`torch.onnx.export: the graph takes ${graphInputs.length} inputs, ${inputs.length} were given`);
  }
  const inputNames = opts.inputNames ?? (inputs.length === 1 ? ['input'] : inputs.map((_, i) => `input${i}`));
  if (inputNames.length !== inputs.length) throw new Error(`torch.onnx.export: inputNames has ${inputNames.length} names for ${inputs.length} inputs`);
  const inputInfos: OnnxNamespace.IValueInfoProto[] = [];
  graphInputs.forEach((gv, i) => {
    const name = inputNames[i]!;
    graph.reserve(name);
    const x = inputs[i]!;
    const axes = dynamicAxesOf(opts.dynamicAxes, name);
    const shape = x.shape;
    for (const d of axes.keys()) if (d < 0 || d >= shape.length) throw new RangeError(`torch.onnx.export: dynamic axis ${d} of input '${name}' is out of range for its shape [${shape}]`);
    // The example input's dtype where the graph does not record one (TorchScript that was scripted, not traced).
    const v: OnnxValue = { name, scalarType: gv.type.dtype ?? native.dtype(x._h), shape, dyn: shape.map((_, d) => axes.get(d) ?? null) };
    vals.set(gv.id, { kind: 'tensor', v });
    inputInfos.push(valueInfo(v, `input '${name}'`));
  });

  // Module attributes (parameters and buffers) by path, read from the ScriptModule on first use.
  const attrTensor = (path: string): Tensor => {
    const parts = path.split('.');
    let m: ScriptModule = script;
    for (const p of parts.slice(0, -1)) m = m.attr(p) as ScriptModule;
    const t = m.attr(parts[parts.length - 1]!);
    if (!(t instanceof Tensor)) throw new Error(`torch.onnx.export: attribute '${path}' is not a tensor`);
    return t;
  };

  const tensorOf = (val: Val, hint: string, what: string): OnnxValue => {
    if (val.kind === 'tensor') return val.v;
    if (val.kind === 'const' && val.value instanceof Tensor) return graph.initializer(val.value, hint);
    throw new Error(`${what} is not a tensor`);
  };

  const initCache = new Map<number, OnnxValue>();

  for (const node of g.nodes) {
    const where = `${node.kind}${node.scope ? ` (from module '${node.scope}')` : ''}`;
    switch (node.kind) {
      case 'prim::Constant':
        vals.set(node.outputs[0]!.id, { kind: 'const', value: fromNative(node.value) });
        continue;
      case 'prim::GetAttr': {
        const owner = vals.get(node.inputs[0]!);
        if (owner?.kind !== 'module') throw new Error(`torch.onnx.export: ${where} reads an attribute of something that is not a module`);
        const path = owner.path ? `${owner.path}.${node.attr}` : node.attr!;
        const out = node.outputs[0]!;
        if (out.type.kind === 'ClassType') vals.set(out.id, { kind: 'module', path });
        else if (out.type.kind === 'Tensor') {
          const v = graph.initializer(attrTensor(path), path);
          vals.set(out.id, { kind: 'tensor', v });
        } else vals.set(out.id, { kind: 'const', value: fromNative(J.jitGetAttr(script._c, path)) });
        continue;
      }
      case 'prim::ListConstruct':
      case 'prim::TupleConstruct': {
        const items = node.inputs.map((id) => vals.get(id)!);
        if (items.every((it) => it.kind === 'const')) {
          vals.set(node.outputs[0]!.id, { kind: 'const', value: items.map((it) => (it as { value: unknown }).value) });
        } else vals.set(node.outputs[0]!.id, { kind: 'list', items });
        continue;
      }
      case 'prim::ListUnpack':
      case 'prim::TupleUnpack': {
        const src = vals.get(node.inputs[0]!)!;
        const items: Val[] = src.kind === 'list' ? src.items
          : src.kind === 'const' && Array.isArray(src.value) ? src.value.map((value) => ({ kind: 'const', value }) as Val)
            : [];
        if (items.length !== node.outputs.length) throw new Error(`torch.onnx.export: ${where}: cannot unpack ${node.outputs.length} values`);
        node.outputs.forEach((o, i) => vals.set(o.id, items[i]!));
        continue;
      }
      default:
        break;
    }
    const fn = symbolicFor(node.kind);
    if (!fn) {
      throw new Error(`torch.onnx.export: operator ${node.kind}${node.scope ? ` (from module '${node.scope}')` : ''} has no ONNX conversion ` +
        `(opset ${opset}); register one with torch.onnx.registerSymbolic('${node.kind}', fn)`);
    }
    const ctx = makeContext(node, opset, graph, vals, tensorOf, initCache);
    try {
      fn(ctx);
    } catch (e) {
      const msg = (e as Error).message;
      if (msg.startsWith('torch.onnx.export:')) throw e;
      throw new Error(`torch.onnx.export: converting ${where}: ${msg}`);
    }
    node.outputs.forEach((o) => {
      if (!vals.has(o.id)) throw new Error(`torch.onnx.export: the conversion of ${where} did not produce output ${o.name}`);
    });
  }

  // Outputs: a tuple result becomes several graph outputs.
  const flat: OnnxValue[] = [];
  const flatten = (val: Val, what: string): void => {
    if (val.kind === 'list') val.items.forEach((it, i) => flatten(it, `${what}[${i}]`));
    else flat.push(tensorOf(val, 'output', what));
  };
  for (const id of g.outputs) flatten(vals.get(id)!, 'output');
  const outputNames = opts.outputNames ?? (flat.length === 1 ? ['output'] : flat.map((_, i) => `output${i}`));
  if (outputNames.length !== flat.length) throw new Error(`torch.onnx.export: outputNames has ${outputNames.length} names for ${flat.length} outputs`);
  const known = new Set<string>([...inputNames, ...outputNames]);
  for (const name of Object.keys(opts.dynamicAxes ?? {})) {
    if (!known.has(name)) throw new Error(`torch.onnx.export: dynamicAxes names '${name}', which is not an input or output name (${[...known].join(', ')})`);
  }
  const outputInfos: OnnxNamespace.IValueInfoProto[] = [];
  flat.forEach((v, i) => {
    const name = outputNames[i]!;
    const axes = dynamicAxesOf(opts.dynamicAxes, name);
    const isInput = graphInputs.some((_, k) => inputNames[k] === v.name);
    if (isInput || graph.nodes.every((n) => !n.output!.includes(v.name))) {
      // An output that is an input or an initializer gets a node of its own to carry the output name.
      graph.reserve(name);
      graph.node('Identity', [v], [name], {}, '');
    } else {
      graph.reserve(name);
      renameOutput(graph, v.name, name);
    }
    const shape = v.shape;
    for (const [d, sym] of axes) {
      if (shape === null || d < 0 || d >= shape.length) throw new RangeError(`torch.onnx.export: dynamic axis ${d} of output '${name}' is out of range`);
      if (v.dyn[d] === null) {
        throw new Error(`torch.onnx.export: output '${name}' dimension ${d} does not depend on the dynamic axes of the inputs in the ` +
          `traced graph: a size was fixed while tracing (a reshape to a computed size, say), so the exported model would be wrong at other sizes`);
      }
      if (v.dyn[d] !== sym) v.dyn[d] = sym;
    }
    outputInfos.push(valueInfo({ ...v, name }, `output '${name}'`));
  });

  if (opts.doConstantFolding ?? true) foldBatchNorms(graph, new Set(outputNames));

  return {
    graph,
    model: (initializer) => ({
      irVersion: 8,
      producerName: opts.producerName ?? 'tstorch',
      producerVersion: '0.1.0',
      opsetImport: [{ domain: '', version: opset }],
      graph: { name: script.originalName, node: graph.nodes, input: inputInfos, output: outputInfos, initializer },
    }),
  };
}

interface Converted {
  graph: OnnxGraph;
  /** The model with the given initializers (inline or external). */
  model(initializer: OnnxNamespace.ITensorProto[]): OnnxNamespace.IModelProto;
}

/** Protobuf cannot encode messages over 2 GiB: bigger models keep their weights in an external data file. */
const PROTOBUF_LIMIT = 2 ** 31 - 2 ** 24;

function weightBytes(c: Converted): number {
  return c.graph.usedInitializers().reduce((n, [, t]) => n + t.numel() * t.elementSize(), 0);
}

function encode(model: OnnxNamespace.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** Renames the output of the node that produces `from` (and every later use of it) to `to`. */
function renameOutput(graph: OnnxGraph, from: string, to: string): void {
  for (const n of graph.nodes) {
    n.output = n.output!.map((o) => (o === from ? to : o));
    n.input = n.input!.map((o) => (o === from ? to : o));
  }
}

function valueInfo(v: OnnxValue, what: string): OnnxNamespace.IValueInfoProto {
  if (v.scalarType === null) throw new Error(`torch.onnx.export: the dtype of ${what} is not known from the trace`);
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: onnxDataType(v.scalarType, what),
        shape: v.shape === null ? undefined : { dim: v.shape.map((n, d) => (v.dyn[d] ? { dimParam: v.dyn[d]! } : { dimValue: n })) },
      },
    },
  };
}


function tracedOf(v: GraphValue): TracedType {
  return { scalarType: v.type.dtype ?? null, shape: v.type.shape ?? null };
}

function makeContext(node: GraphNode, opset: number, graph: OnnxGraph, vals: Map<number, Val>,
  tensorOf: (val: Val, hint: string, what: string) => OnnxValue, initCache: Map<number, OnnxValue>): SymbolicContext {
  const scope = node.scope;
  const where = `${node.kind}${scope ? ` (from module '${scope}')` : ''}`;
  const fail = (message: string): never => { throw new Error(`torch.onnx.export: ${where}: ${message}`); };
  const valOf = (i: number): Val => {
    if (i >= node.inputs.length) fail(`has no input ${i}`);
    return vals.get(node.inputs[i]!)!;
  };
  const hintOf = (i: number): string => {
    const p = node.inputs[i]!;
    return `${scope ? `${scope}.` : ''}const_${p}`;
  };
  const inputTensor = (i: number): OnnxValue => {
    const val = valOf(i);
    if (val.kind === 'const' && val.value instanceof Tensor) {
      const id = node.inputs[i]!;
      let v = initCache.get(id);
      if (!v) {
        v = graph.initializer(val.value, hintOf(i));
        initCache.set(id, v);
      }
      return v;
    }
    if (val.kind === 'const' && typeof val.value === 'number') fail(`input ${i} is a number where a tensor is needed`);
    return tensorOf(val, hintOf(i), `input ${i} of ${where}`);
  };
  const scalarConst = (value: number, scalarType: number): OnnxValue => {
    const dtype = Object.entries(SCALAR_TYPE).find(([, c]) => c === scalarType)?.[0] ?? 'float32';
    return graph.initializer(makeTensor(value, { dtype: dtype as never }), `${scope ? `${scope}.` : ''}scalar`);
  };
  const defaultDyn = (v: OnnxValue): (string | null)[] => {
    if (v.shape === null) return [];
    for (let i = 0; i < node.inputs.length; i++) {
      const val = vals.get(node.inputs[i]!);
      const cands = val?.kind === 'tensor' ? [val.v] : val?.kind === 'list' ? val.items.flatMap((it) => (it.kind === 'tensor' ? [it.v] : [])) : [];
      for (const x of cands) {
        if (x.shape === null || x.shape.length !== v.shape.length || !x.dyn.some((d) => d !== null)) continue;
        return v.shape.map((n, d) => (x.dyn[d] && x.shape![d] === n ? x.dyn[d]! : null));
      }
    }
    return v.shape.map(() => null);
  };
  const ctx: SymbolicContext = {
    node, opset, scope,
    numInputs: node.inputs.length,
    input: inputTensor,
    inputAs(i, scalarType) {
      const val = valOf(i);
      if (val.kind === 'const') {
        const c = val.value;
        const num = typeof c === 'number' ? c : typeof c === 'boolean' ? Number(c) : c instanceof Tensor && c.ndim === 0 ? c.item() as number : undefined;
        if (num !== undefined) {
          if (scalarType === null) fail(`input ${i}: the type of a number input is not known`);
          return scalarConst(num, scalarType!);
        }
      }
      const v = inputTensor(i);
      if (scalarType === null || v.scalarType === scalarType) return v;
      const out = ctx.op('Cast', [v], { to: onnxDataType(scalarType, `input ${i}`) });
      return { ...out, scalarType, shape: v.shape, dyn: v.dyn };
    },
    isConst: (i) => valOf(i).kind === 'const',
    isNone: (i) => { const v = valOf(i); return v.kind === 'const' && (v.value === null || v.value === undefined); },
    constant<T>(i: number, what: string): T {
      const v = valOf(i);
      if (v.kind !== 'const') fail(`${what} must be a constant in the traced graph`);
      const c = (v as { value: unknown }).value;
      if (c instanceof Tensor && c.ndim === 0) return c.item() as T;
      return c as T;
    },
    tensorList(i) {
      const v = valOf(i);
      if (v.kind === 'list') return v.items.map((it, k) => tensorOf(it, `${hintOf(i)}_${k}`, `element ${k} of input ${i}`));
      if (v.kind === 'const' && Array.isArray(v.value)) return v.value.map((c, k) => tensorOf({ kind: 'const', value: c }, `${hintOf(i)}_${k}`, `element ${k} of input ${i}`));
      return fail(`input ${i} is not a list of tensors`);
    },
    traced: (i) => tracedOf(node.outputs[i]!),
    op(opType, inputs, attrs = {}, o = {}) {
      const n = o.outputs ?? 1;
      const outs: string[] = [];
      for (let k = 0; k < n; k++) outs.push(graph.fresh(o.out !== undefined && k === 0 ? node.outputs[o.out]!.name : `${opType}_out`));
      graph.node(opType, inputs, outs, attrs, scope);
      if (o.out !== undefined) {
        const t = tracedOf(node.outputs[o.out]!);
        return { name: outs[0]!, scalarType: t.scalarType, shape: t.shape, dyn: [] };
      }
      return { name: outs[0]!, scalarType: null, shape: null, dyn: [] };
    },
    opMulti(opType, inputs, n, attrs = {}) {
      const outs: string[] = [];
      for (let k = 0; k < n; k++) outs.push(graph.fresh(node.outputs[k]?.name ?? `${opType}_out`));
      graph.node(opType, inputs, outs, attrs, scope);
      return outs.map((name) => ({ name, scalarType: null, shape: null, dyn: [] }));
    },
    constantTensor: (t, hint) => graph.initializer(t, hint ?? `${scope ? `${scope}.` : ''}const`),
    ints(values, hint) {
      const t = makeTensor(values.map((v) => BigInt(v)), { dtype: 'int64' as never });
      return graph.initializer(t, hint ?? `${scope ? `${scope}.` : ''}ints`);
    },
    scalar: scalarConst,
    setOutput(i, v, dyn) {
      const t = tracedOf(node.outputs[i]!);
      const full: OnnxValue = { name: v.name, scalarType: v.scalarType ?? t.scalarType, shape: t.shape ?? v.shape, dyn: [] };
      full.dyn = dyn ?? (v.dyn.length && v.dyn.some((d) => d !== null) && full.shape && v.dyn.length === full.shape.length ? v.dyn : defaultDyn(full));
      vals.set(node.outputs[i]!.id, { kind: 'tensor', v: full });
    },
    setOutputList(i, vs) {
      vals.set(node.outputs[i]!.id, { kind: 'list', items: vs.map((v) => ({ kind: 'tensor', v }) as Val) });
    },
    fail,
  };
  return ctx;
}

