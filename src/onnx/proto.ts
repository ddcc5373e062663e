// ONNX's protobuf schema, from the onnx-proto package (onnx.proto compiled for protobufjs), and the mapping of
// libtorch's scalar types to ONNX's element types.
import { createRequire } from 'node:module';
import type { onnx as OnnxNamespace } from 'onnx-proto';

const require = createRequire(import.meta.url);
export const onnx: typeof OnnxNamespace = (require('onnx-proto') as { onnx: typeof OnnxNamespace }).onnx;
export type { OnnxNamespace };

export const DataType = onnx.TensorProto.DataType;

/** libtorch ScalarType codes (c10/core/ScalarType.h) to ONNX TensorProto.DataType. */
const FROM_SCALAR_TYPE: Record<number, number> = {
  0: DataType.UINT8, 1: DataType.INT8, 2: DataType.INT16, 3: DataType.INT32, 4: DataType.INT64,
  5: DataType.FLOAT16, 6: DataType.FLOAT, 7: DataType.DOUBLE, 11: DataType.BOOL, 15: DataType.BFLOAT16,
};
export const SCALAR_TYPE = { uint8: 0, int8: 1, int16: 2, int32: 3, int64: 4, float16: 5, float32: 6, float64: 7, bool: 11, bfloat16: 15 } as const;

export function onnxDataType(scalarType: number, what: string): number {
  const t = FROM_SCALAR_TYPE[scalarType];
  if (t === undefined) throw new Error(`torch.onnx.export: ${what} has a dtype (libtorch scalar type ${scalarType}) that ONNX cannot hold`);
  return t;
}

export function isFloatingScalarType(scalarType: number): boolean {
  return scalarType === 5 || scalarType === 6 || scalarType === 7 || scalarType === 15;
}
