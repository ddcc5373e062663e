// torch.onnx: export a tstorch model to ONNX (through its TorchScript trace), and the registry of operator
// conversions other subsystems extend.
export { exportOnnx as export, exportToBytes, DEFAULT_OPSET, MIN_OPSET, MAX_OPSET, type ExportOptions } from './export.js';
export { registerSymbolic, registeredSymbolics, type Symbolic, type SymbolicContext, type TracedType } from './symbolic.js';
export type { OnnxValue } from './graph.js';
