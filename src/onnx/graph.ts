// The ONNX graph under construction: nodes, initializers, unique names, and what the exporter knows of each
// value (element type, the traced shape, and which dimensions are dynamic).
import type { onnx as OnnxNamespace } from 'onnx-proto';
import { Tensor } from '../tensor.js';
import { native } from '../native/binding.js';
import { onnx, onnxDataType } from './proto.js';

/** An ONNX value: its name, libtorch scalar type, traced shape, and the symbolic name of each dynamic dim. */
export interface OnnxValue {
  name: string;
  scalarType: number | null;
  shape: number[] | null;
  /** Per dimension: the dynamic axis name ('batch') where that dimension varies at run time, else null. */
  dyn: (string | null)[];
}

export type AttrValue = number | number[] | string | Tensor | { float: number } | { floats: number[] };

export class OnnxGraph {
  readonly nodes: OnnxNamespace.INodeProto[] = [];
  /** Initializers by name: tensors until the model is written (passes such as batch-norm folding replace them). */
  readonly initializers = new Map<string, Tensor>();
  private readonly used = new Set<string>();
  private counter = 0;

  /** A name not used yet, close to `hint`. */
  fresh(hint: string): string {
    let base = hint.replace(/[^A-Za-z0-9_.:/-]/g, '_') || 'v';
    if (!this.used.has(base)) {
      this.used.add(base);
      return base;
    }
    for (;;) {
      const name = `${base}_${++this.counter}`;
      if (!this.used.has(name)) {
        this.used.add(name);
        return name;
      }
    }
  }

  reserve(name: string): void {
    if (this.used.has(name)) throw new Error(`torch.onnx.export: the name '${name}' is used twice (input, output or initializer names must be unique)`);
    this.used.add(name);
  }

  /** Adds a tensor as an initializer; returns its value. */
  initializer(t: Tensor, hint: string): OnnxValue {
    const name = this.fresh(hint);
    this.initializers.set(name, t);
    const scalarType = native.dtype(t._h);
    return { name, scalarType, shape: t.shape, dyn: t.shape.map(() => null) };
  }

  /** The bytes of the initializers that some node reads. */
  usedInitializers(): [string, Tensor][] {
    const used = new Set(this.nodes.flatMap((n) => n.input!));
    return [...this.initializers].filter(([name]) => used.has(name));
  }

  /**
   * The initializers that some node reads, as TensorProtos. With `external`, tensors of 1 KiB or more go to
   * the external data file instead (ONNX's external data format: location, offset, length), as a model over
   * protobuf's 2 GiB limit must.
   */
  initializerProtos(external?: { location: string; write: (bytes: Uint8Array) => void }): OnnxNamespace.ITensorProto[] {
    let offset = 0;
    return this.usedInitializers().map(([name, t]) => {
      const proto = tensorProto(t, name);
      if (!external || proto.rawData!.byteLength < 1024) return proto;
      const bytes = proto.rawData!;
      // Offsets aligned to 4 KiB, as onnx.external_data_helper does for memory mapping.
      const pad = (4096 - (offset % 4096)) % 4096;
      if (pad) external.write(new Uint8Array(pad));
      offset += pad;
      external.write(bytes);
      const entry = [
        { key: 'location', value: external.location }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(bytes.byteLength) },
      ];
      offset += bytes.byteLength;
      return { name, dims: proto.dims, dataType: proto.dataType, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: entry };
    });
  }

  node(opType: string, inputs: (OnnxValue | '')[], outputs: string[], attrs: Record<string, AttrValue | undefined>, scope: string): void {
    const attribute: OnnxNamespace.IAttributeProto[] = [];
    for (const [name, v] of Object.entries(attrs)) {
      if (v === undefined) continue;
      attribute.push(attributeProto(name, v));
    }
    this.nodes.push({
      opType,
      input: inputs.map((v) => (v === '' ? '' : v.name)),
      output: outputs,
      name: this.fresh(`${scope ? `${scope}/` : '/'}${opType}`),
      attribute,
    });
  }
}


export function tensorProto(t: Tensor, name: string): OnnxNamespace.ITensorProto {
  const scalarType = native.dtype(t._h);
  const dataType = onnxDataType(scalarType, `tensor '${name}'`);
  const c = t.detach().contiguous();
  const bytes = c.toBytes();
  if (c !== t) c.dispose();
  return { name, dims: t.shape, dataType, rawData: bytes };
}

function attributeProto(name: string, v: AttrValue): OnnxNamespace.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`ONNX attribute ${name}: ${v} is not an integer (use { float })`);
    return { name, type: T.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (v instanceof Tensor) return { name, type: T.TENSOR, t: tensorProto(v, '') };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: v.floats };
}
