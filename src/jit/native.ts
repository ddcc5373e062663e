// The TorchScript functions of the addon (src/native/jit.cc), typed. Everything in src/jit goes through this.
import { native, type Handle } from '../native/binding.js';

/** An opaque reference to a native torch::jit::Module. */
export type ModuleHandle = { readonly __jitModuleHandle: unique symbol };

/** A value's static type in a graph: tensors carry their traced dtype (libtorch's code) and shape. */
export interface GraphType {
  /** 'Tensor', or libtorch's type kind ('IntType', 'ListType', 'NoneType', 'ClassType'...). */
  kind: string;
  /** The TorchScript annotation ('Tensor', 'int', 'List[int]', '__torch__.X'). */
  str: string;
  dtype?: number;
  shape?: number[];
}
export interface GraphValue { id: number; name: string; type: GraphType }
export interface GraphNode {
  kind: string;
  inputs: number[];
  outputs: GraphValue[];
  /** The module path the node came from ('layer1.0.conv1'), or '' for the top-level module. */
  scope: string;
  /** prim::GetAttr: the attribute's name. */
  attr?: string;
  /** prim::Constant: its value (tensor handles, numbers, booleans, strings, arrays; null for None). */
  value?: unknown;
}
export interface GraphData { inputs: GraphValue[]; nodes: GraphNode[]; outputs: number[] }

export type AttributeKind = 'parameter' | 'buffer' | 'module' | 'attribute';

export interface JitNative {
  jitNewModule(className: string, sibling?: ModuleHandle): ModuleHandle;
  jitRegisterTensor(m: ModuleHandle, name: string, t: Handle, isParameter: boolean): void;
  jitRegisterModule(m: ModuleHandle, name: string, child: ModuleHandle): void;
  jitSetTraining(m: ModuleHandle, on: boolean): void;
  jitTrain(m: ModuleHandle, on: boolean): void;
  jitTrace(m: ModuleHandle, method: string, inputs: Handle[], forward: (...inputs: Handle[]) => unknown,
    argNames: string[], strict: boolean): unknown;
  jitPushScope(name: string): void;
  jitPopScope(): void;
  jitIsTracing(): boolean;
  jitSave(m: ModuleHandle): ArrayBuffer;
  jitLoad(bytes: Uint8Array): ModuleHandle;
  jitRun(m: ModuleHandle, method: string, args: unknown[]): unknown;
  jitMethods(m: ModuleHandle): string[];
  jitMethodSchema(m: ModuleHandle, method: string): string;
  jitGraph(m: ModuleHandle, method: string, inlined: boolean): string;
  jitCode(m: ModuleHandle, method: string): string;
  jitAttributes(m: ModuleHandle): [string, AttributeKind, unknown][];
  jitGetAttr(m: ModuleHandle, name: string): unknown;
  jitSetAttr(m: ModuleHandle, name: string, value: unknown): void;
  jitTypeName(m: ModuleHandle): string;
  jitFreeze(m: ModuleHandle, preservedAttrs: string[], optimizeNumerics: boolean): ModuleHandle;
  jitOptimizeForInference(m: ModuleHandle, otherMethods: string[]): ModuleHandle;
  jitClone(m: ModuleHandle): ModuleHandle;
  jitGraphData(m: ModuleHandle, method: string): GraphData;
}

export const jitNative = native as unknown as JitNative;
