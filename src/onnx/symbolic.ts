// The registry of ONNX conversions ("symbolics", as PyTorch calls them): one function per TorchScript operator
// kind ('aten::conv2d'), which reads the node's inputs through a SymbolicContext and emits ONNX nodes.
//
// Other subsystems add operators with registerSymbolic (detection ops such as torchvision::nms or
// torchvision::roi_align register theirs from their own module): the exporter looks a node's kind up here and
// fails with an error naming the operator and the module it came from when nothing is registered.
import { Tensor } from '../tensor.js';
import type { GraphNode } from '../jit/native.js';
import type { OnnxValue, AttrValue } from './graph.js';
import { bindOwn, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(registerSymbolic, 'registerSymbolic', 'tstorch.onnx.registerSymbolic', 'kind, fn');
registerSignature(registeredSymbolics, 'registeredSymbolics', 'tstorch.onnx.registeredSymbolics', '');

export interface TracedType {
  /** libtorch scalar type code, when the trace recorded it. */
  scalarType: number | null;
  shape: number[] | null;
}

export interface SymbolicContext {
  /** The TorchScript node being converted. */
  readonly node: GraphNode;
  /** The ONNX opset being targeted. */
  readonly opset: number;
  /** The module path the node came from ('layer1.0.conv1'). */
  readonly scope: string;
  readonly numInputs: number;

  /** Input i as an ONNX tensor; a constant (tensor or number) becomes an initializer. */
  input(i: number): OnnxValue;
  /** Input i as an ONNX tensor of the given scalar type: numbers and 0-dim constants become tensors of that type, other tensors are cast where their type differs. */
  inputAs(i: number, scalarType: number | null): OnnxValue;
  /** Whether input i is a constant (known while exporting) / is None. */
  isConst(i: number): boolean;
  isNone(i: number): boolean;
  /** Input i's constant value: numbers, booleans, strings, arrays, null; a 0-dim tensor becomes its number. */
  constant<T = unknown>(i: number, what: string): T;
  /** Input i as a list of tensors (aten::cat's list). */
  tensorList(i: number): OnnxValue[];
  /** What the trace recorded for output i of the node. */
  traced(i: number): TracedType;

  /** Emits one ONNX node; with `out`, its first output becomes the node's output `out` (named and typed from the trace). */
  op(opType: string, inputs: (OnnxValue | '')[], attrs?: Record<string, AttrValue | undefined>, opts?: { out?: number; outputs?: number }): OnnxValue;
  /** Emits one ONNX node with several outputs. */
  opMulti(opType: string, inputs: (OnnxValue | '')[], n: number, attrs?: Record<string, AttrValue | undefined>): OnnxValue[];
  /** A constant tensor (an initializer). */
  constantTensor(t: Tensor, hint?: string): OnnxValue;
  /** A 1-d int64 initializer (shapes, axes, pads as ONNX takes them as inputs). */
  ints(values: number[], hint?: string): OnnxValue;
  /** A 0-dim initializer of the given scalar type. */
  scalar(value: number, scalarType: number): OnnxValue;

  /**
   * Makes `v` the node's output i. `dyn` says which dimensions are dynamic; without it they follow the first
   * tensor input of the same rank, dimension by dimension, where the traced sizes agree.
   */
  setOutput(i: number, v: OnnxValue, dyn?: (string | null)[]): void;
  /** Makes a list of tensors the node's output i (aten::chunk, aten::split). */
  setOutputList(i: number, vs: OnnxValue[]): void;
  /** An error naming the operator and the module it came from. */
  fail(message: string): never;
}

export type Symbolic = (ctx: SymbolicContext) => void;

const registry = new Map<string, Symbolic>();

/**
 * Registers the ONNX conversion of a TorchScript operator kind ('aten::conv2d', 'torchvision::nms'). A later
 * registration for the same kind replaces the earlier one.
 */
export function registerSymbolic(kind: string, fn: Symbolic): void {
  [kind, fn] = bindOwn(registerSymbolic, arguments) as Parameters<typeof registerSymbolic>;
  if (!/^[A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_.]*$/.test(kind)) throw new TypeError(`registerSymbolic: '${kind}' is not an operator kind like 'aten::relu'`);
  registry.set(kind, fn);
}

export function symbolicFor(kind: string): Symbolic | undefined {
  return registry.get(kind);
}

/** The operator kinds that have an ONNX conversion. */
export function registeredSymbolics(): string[] {
  bindOwn(registeredSymbolics, arguments);
  return [...registry.keys()].sort();
}
