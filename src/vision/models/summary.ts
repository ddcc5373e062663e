// summary(model, inputShape): a table of every layer's output shape, parameters and multiply-adds, in the
// manner of Python's torchinfo. A forward pass on zeros (no random numbers drawn, so the generator's state is
// untouched) runs with hooks on every module; rows follow the call order, one per call.
import { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';
import { Tensor, type Device } from '../../tensor.js';
import { zeros } from '../../creation.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { tidy } from '../../memory.js';
import { elementSize, type DType } from '../../dtype.js';
import type { RemovableHandle } from '../../nn/module.js';
import { bindOwn, classArgs, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(summary, 'summary', 'tstorch.vision.models.summary', 'model, inputShape; *, depth, dtype, device, mode');

export interface SummaryRow {
  /** Dotted path of the module ('' for the model). */
  name: string;
  className: string;
  /** 0 for the model itself. */
  depth: number;
  /** "1-3": depth and position among the rows at that depth, as torchinfo numbers them. */
  depthIndex: string;
  outputShape: number[] | number[][] | null;
  /** Parameters of this module itself (not its children). */
  ownParams: number;
  /** Parameters of this module and its descendants. */
  totalParams: number;
  /** Multiply-adds of this call: of its own parameterised operation, for leaf modules, summed over descendants otherwise. */
  multAdds: number;
  /** The same module was already called earlier in the pass (its parameters counted once). */
  recursive: boolean;
  isLeaf: boolean;
}

export interface SummaryOptions {
  /** Rows deeper than this are folded into their ancestor (default 3, as torchinfo). */
  depth?: number;
  dtype?: DType;
  device?: Device;
  /** The mode of the forward pass (default 'eval'); the model's own mode is restored afterwards. */
  mode?: 'eval' | 'train';
}

export class ModelSummary {
  readonly rows: SummaryRow[];
  readonly totalParams: number;
  readonly trainableParams: number;
  readonly totalMultAdds: number;
  readonly inputBytes: number;
  readonly forwardBackwardBytes: number;
  readonly paramBytes: number;
  readonly depth: number;
  constructor(
    rows: SummaryRow[],
    totalParams: number,
    trainableParams: number,
    totalMultAdds: number,
    inputBytes: number,
    forwardBackwardBytes: number,
    paramBytes: number,
    depth: number,
  ) {
    [rows, totalParams, trainableParams, totalMultAdds, inputBytes, forwardBackwardBytes, paramBytes, depth] = bindOwn(ModelSummary, arguments) as ConstructorParameters<typeof ModelSummary>;
    this.rows = rows;
    this.totalParams = totalParams;
    this.trainableParams = trainableParams;
    this.totalMultAdds = totalMultAdds;
    this.inputBytes = inputBytes;
    this.forwardBackwardBytes = forwardBackwardBytes;
    this.paramBytes = paramBytes;
    this.depth = depth;
  }

  get nonTrainableParams(): number { return this.totalParams - this.trainableParams; }

  toString(): string {
    const visible = this.rows.filter((r) => r.depth <= this.depth);
    const fmt = (n: number): string => n.toLocaleString('en-US');
    const shapeStr = (s: SummaryRow['outputShape']): string =>
      s === null ? '--' : Array.isArray(s[0]) ? (s as number[][]).map((x) => `[${x.join(', ')}]`).join(', ') : `[${(s as number[]).join(', ')}]`;
    const lines: string[][] = visible.map((r, i) => {
      const folded = r.depth === this.depth && !r.isLeaf;
      let prefix = '';
      if (r.depth > 0) {
        // Tree drawing as torchinfo: '│ ' for each open ancestor level, '├─' or '└─' for the row itself.
        for (let d = 1; d < r.depth; d++) prefix += hasLaterSibling(visible, i, d) ? '│    ' : '     ';
        prefix += hasLaterSibling(visible, i, r.depth) ? '├─' : '└─';
      }
      const label = r.depth === 0 ? r.className : `${prefix}${r.className}: ${r.depthIndex}`;
      const params = r.recursive ? '(recursive)' : (r.isLeaf || folded ? r.totalParams : r.ownParams) === 0 ? '--' : fmt(r.isLeaf || folded ? r.totalParams : r.ownParams);
      const macs = r.isLeaf || folded ? (r.multAdds === 0 ? '--' : fmt(r.multAdds)) : '--';
      return [label, shapeStr(r.outputShape), params, macs];
    });
    const header = ['Layer (type:depth-idx)', 'Output Shape', 'Param #', 'Mult-Adds'];
    const widths = [Math.max(40, ...lines.map((l) => l[0]!.length + 2)), 25, 15, 15];
    const row = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('').trimEnd();
    const rule = '='.repeat(widths.reduce((a, b) => a + b, 0));
    const [unit, div] = this.totalMultAdds >= 1e9 ? ['G', 1e9] : this.totalMultAdds >= 1e6 ? ['M', 1e6] : ['K', 1e3];
    const mb = (b: number): string => (b / 1e6).toFixed(2);
    return [
      rule, row(header), rule, ...lines.map(row), rule,
      `Total params: ${fmt(this.totalParams)}`,
      `Trainable params: ${fmt(this.trainableParams)}`,
      `Non-trainable params: ${fmt(this.nonTrainableParams)}`,
      `Total mult-adds (${unit}): ${(this.totalMultAdds / div).toFixed(2)}`,
      rule,
      `Input size (MB): ${mb(this.inputBytes)}`,
      `Forward/backward pass size (MB): ${mb(this.forwardBackwardBytes)}`,
      `Params size (MB): ${mb(this.paramBytes)}`,
      `Estimated Total Size (MB): ${mb(this.inputBytes + this.forwardBackwardBytes + this.paramBytes)}`,
      rule,
    ].join('\n');
  }
}
classArgs(ModelSummary, 'tstorch.vision.models.ModelSummary', 'rows, totalParams, trainableParams, totalMultAdds, inputBytes, forwardBackwardBytes, paramBytes, depth');

function hasLaterSibling(rows: SummaryRow[], i: number, depth: number): boolean {
  for (let j = i + 1; j < rows.length; j++) {
    if (rows[j]!.depth < depth) return false;
    if (rows[j]!.depth === depth) return true;
  }
  return false;
}

function ownParameters(m: Module): Parameter[] {
  return Object.keys(m).map((k) => (m as any)[k]).filter((v): v is Parameter => v instanceof Parameter);
}

function outputShapes(out: unknown): number[] | number[][] | null {
  if (out instanceof Tensor) return [...out.shape];
  const list = Array.isArray(out) ? out : out !== null && typeof out === 'object' ? Object.values(out) : [];
  const shapes = list.filter((v): v is Tensor => v instanceof Tensor).map((t) => [...t.shape]);
  return shapes.length ? shapes : null;
}

function numel(shape: number[]): number { return shape.reduce((a, b) => a * b, 1); }

/**
 * torchinfo's count for a module's own parameters: a convolution applies each weight (and bias) element once per
 * output position and batch element; other layers (Linear, norms) once per batch element.
 */
function leafMultAdds(m: Module, className: string, out: number[] | null): number {
  if (out === null || out.length === 0) return 0;
  let macs = 0;
  for (const [name, p] of Object.keys(m).map((k) => [k, (m as any)[k]] as const)) {
    if (!(p instanceof Parameter)) continue;
    if (name === 'weight' || name === 'bias') {
      macs += className.includes('Conv') ? p.numel() * numel([out[0]!, ...out.slice(2)]) : out[0]! * p.numel();
    } else if (name.includes('weight') || name.includes('bias')) {
      macs += numel(out.slice(0, 2)) * p.numel();
    }
  }
  return macs;
}

/** Runs the model once on zeros of `inputShape` (or several inputs) and tabulates its layers. */
export function summary(model: Module, inputShape: number[] | number[][], opts: SummaryOptions = {}): ModelSummary {
  [model, inputShape, opts = {}] = bindOwn(summary, arguments) as Parameters<typeof summary>;
  const shapes: number[][] = Array.isArray(inputShape[0]) ? (inputShape as number[][]) : [inputShape as number[]];
  for (const s of shapes) {
    if (!s.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`summary: inputShape must be positive integers, got [${s.join(', ')}]`);
  }
  const dtype = opts.dtype ?? 'float32';
  const depth = opts.depth ?? 3;
  const names = new Map<Module, string>(model.namedModules().map(([n, m]) => [m, n]));
  const rows: SummaryRow[] = [];
  const stack: { row: SummaryRow; childMacs: number }[] = [];
  const seen = new Set<Module>();
  const countAtDepth = new Map<number, number>();
  const handles: RemovableHandle[] = [];
  let leafOutputBytes = 0;

  for (const [, m] of model.namedModules()) {
    const isLeaf = m.children().length === 0;
    handles.push(m.registerForwardPreHook((mod) => {
      const d = stack.length;
      const k = (countAtDepth.get(d) ?? 0) + 1;
      countAtDepth.set(d, k);
      const own = ownParameters(mod).reduce((a, p) => a + p.numel(), 0);
      const row: SummaryRow = {
        name: names.get(mod) ?? '', className: mod._getName(), depth: d, depthIndex: `${d}-${k}`, outputShape: null,
        ownParams: own, totalParams: mod.numParameters(), multAdds: 0, recursive: seen.has(mod) && mod.numParameters() > 0, isLeaf,
      };
      seen.add(mod);
      rows.push(row);
      stack.push({ row, childMacs: 0 });
    }));
    handles.push(m.registerForwardHook((mod, _input, output) => {
      const top = stack.pop();
      if (!top) return;
      const shape = outputShapes(output);
      top.row.outputShape = shape;
      const single = shape !== null && !Array.isArray(shape[0]) ? (shape as number[]) : null;
      const own = leafMultAdds(mod, top.row.className, single);
      top.row.multAdds = own + top.childMacs;
      if (stack.length) stack[stack.length - 1]!.childMacs += top.row.multAdds;
      if (top.row.isLeaf && shape !== null) {
        const all = Array.isArray(shape[0]) ? (shape as number[][]) : [shape as number[]];
        leafOutputBytes += all.reduce((a, s) => a + numel(s), 0) * elementSize(dtype);
      }
    }));
  }

  const wasTraining = model.training;
  model.train((opts.mode ?? 'eval') === 'train');
  try {
    tidy(() => noGrad(() => {
      const inputs = shapes.map((s) => zeros(s, { dtype, ...(opts.device ? { device: opts.device } : {}) }));
      model.call(...inputs);
    }));
  } finally {
    for (const h of handles) h.remove();
    model.train(wasTraining);
  }

  const params = model.parameters();
  const totalParams = params.reduce((a, p) => a + p.numel(), 0);
  const trainable = params.filter((p) => p.requiresGrad).reduce((a, p) => a + p.numel(), 0);
  const totalMacs = rows.filter((r) => r.isLeaf).reduce((a, r) => a + r.multAdds, 0);
  const paramBytes = params.reduce((a, p) => a + p.numel() * p.elementSize(), 0);
  const inputBytes = shapes.reduce((a, s) => a + numel(s), 0) * elementSize(dtype);
  return new ModelSummary(rows, totalParams, trainable, totalMacs, inputBytes, 2 * leafOutputBytes, paramBytes, depth);
}
