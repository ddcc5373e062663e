// Printing tensors as PyTorch prints them (torch/_tensor_str.py): 4 decimals, integer mode ("1."),
// scientific notation for wide ranges, summarisation with '...' beyond 1000 elements, dtype/grad suffixes.
import { api, type PyRest } from './args.js';
import type { Tensor } from './tensor.js';

export const printOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null as boolean | null };

/** torch.set_printoptions */
export const setPrintOptions = api<(...a: PyRest<Partial<typeof printOptions>, ['precision', 'threshold', 'edgeitems', 'linewidth']>) => void>(
  'setPrintOptions', 'torch.set_printoptions', '; precision, threshold, edgeitems, linewidth, *, sciMode',
  (o: Partial<typeof printOptions> = {}): void => { setPrintOptionsImpl(o); });
function setPrintOptionsImpl(o: Partial<typeof printOptions>): void {
  Object.assign(printOptions, o);
}

type Flat = { values: (number | boolean)[]; shape: number[] };

function fmtFixed(v: number, digits: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return v.toFixed(digits);
}

function fmtSci(v: number, digits: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  // Python's '{:.4e}' writes a two-digit exponent: 1.0000e+03
  const [m, e] = v.toExponential(digits).split('e');
  const exp = Number(e);
  return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function makeFormatter(values: (number | boolean)[], floating: boolean): (v: number | boolean) => string {
  const p = printOptions.precision;
  if (!floating) return (v) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));
  const finite = (values as number[]).filter((v) => Number.isFinite(v));
  const nonzero = finite.filter((v) => v !== 0).map(Math.abs);
  let intMode = true;
  for (const v of finite) if (v !== Math.ceil(v)) { intMode = false; break; }
  let sci = false;
  if (nonzero.length > 0) {
    const max = Math.max(...nonzero);
    const min = Math.min(...nonzero);
    if (intMode) sci = max > 1e8;
    else sci = max / min > 1000 || max > 1e8 || min < 1e-4;
  }
  if (printOptions.sciMode !== null) sci = printOptions.sciMode;
  if (sci) return (v) => fmtSci(v as number, p);
  if (intMode) return (v) => (Number.isFinite(v as number) ? `${fmtFixed(v as number, 0)}.` : fmtFixed(v as number, 0));
  return (v) => fmtFixed(v as number, p);
}

function summarizedIndices(n: number, summarize: boolean): (number | null)[] {
  const e = printOptions.edgeitems;
  if (!summarize || n <= 2 * e) return [...Array(n).keys()];
  return [...Array(e).keys(), null, ...Array.from({ length: e }, (_, i) => n - e + i)];
}

export function formatTensor(t: Tensor): string {
  const shape = t.shape;
  const dtype = t.dtype.name;
  const floating = dtype.startsWith('float') || dtype === 'bfloat16';
  const numel = shape.reduce((a, b) => a * b, 1);
  const summarize = numel > printOptions.threshold;
  const src = floating ? t.detach().to('float64') : dtype === 'int64' ? t : t;
  const raw = numel === 0 ? [] : (src.toArray() as unknown);
  const flatAll: Flat = { values: [], shape };
  // collect the values that will be printed (for the formatter's width and mode)
  const collect = (x: unknown, level: number): void => {
    if (level === shape.length) { flatAll.values.push(x as number | boolean); return; }
    const arr = x as unknown[];
    for (const i of summarizedIndices(arr.length, summarize)) if (i !== null) collect(arr[i], level + 1);
  };
  if (numel > 0) collect(raw, 0);
  const fmt = makeFormatter(flatAll.values, floating);
  const width = Math.max(1, ...flatAll.values.map((v) => fmt(v).length));
  const prefix = 'tensor(';
  const indent = prefix.length;

  const render = (x: unknown, level: number, ind: number): string => {
    if (level === shape.length) return fmt(x as number).padStart(width);
    const arr = x as unknown[];
    const idx = summarizedIndices(arr.length, summarize);
    if (level === shape.length - 1) {
      const items = idx.map((i) => (i === null ? ' ...' : fmt(arr[i] as number).padStart(width)));
      const perLine = Math.max(1, Math.floor((printOptions.linewidth - ind) / (width + 2)));
      const lines: string[] = [];
      for (let k = 0; k < items.length; k += perLine) lines.push(items.slice(k, k + perLine).join(', '));
      return '[' + lines.join(',\n' + ' '.repeat(ind + 1)) + ']';
    }
    const parts = idx.map((i) => (i === null ? '...' : render(arr[i], level + 1, ind + 1)));
    const sep = ',' + '\n'.repeat(shape.length - level - 1) + ' '.repeat(ind + 1);
    return '[' + parts.join(sep) + ']';
  };

  let body: string;
  if (numel === 0) body = '[]';
  else if (shape.length === 0) body = fmt(raw as number);
  else body = render(raw, 0, indent);

  const suffix: string[] = [];
  if (t.device.type !== 'cpu') suffix.push(`device='${t.device}'`);
  if (numel === 0 && !(shape.length === 1 && shape[0] === 0)) suffix.push(`size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
  if (dtype !== 'float32' && dtype !== 'int64' && dtype !== 'bool') suffix.push(`dtype=torch.${dtype}`);
  else if (numel === 0 && dtype !== 'float32') suffix.push(`dtype=torch.${dtype}`);
  const gradFn = t.gradFn;
  if (gradFn !== null) suffix.push(`grad_fn=<${gradFn.name()}>`);
  else if (t.requiresGrad) suffix.push('requires_grad=True');
  // PyTorch's _add_suffixes: a suffix that would run past the line width starts a new line, indented
  let out = prefix + body;
  let lastLineLen = out.length - out.lastIndexOf('\n') + 1;
  for (const sfx of suffix) {
    if (lastLineLen + sfx.length + 2 > printOptions.linewidth) {
      out += ',\n' + ' '.repeat(indent) + sfx;
      lastLineLen = indent + sfx.length;
    } else {
      out += ', ' + sfx;
      lastLineLen += sfx.length + 2;
    }
  }
  return out + ')';
}
