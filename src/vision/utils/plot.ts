// Line charts of training curves as PNG files: an SVG with axes, ticks, grid, legend and title, rasterised by
// sharp (librsvg, text through pango). For loss/accuracy per epoch without a plotting stack.
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { svgToPng } from '../io/sharp-ops.js';
import { runSync } from '../io/sync.js';
import { DEFAULT_FONT, escapeXml, textWidth } from './text.js';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(curvesSvg, 'curvesSvg', 'tstorch.vision.utils.curvesSvg', '; *, series, x, xLabel, yLabel, title, width, height, path, colors');
registerSignature(niceTicks, 'niceTicks', 'tstorch.vision.utils.niceTicks', 'lo, hi, target?, cover?');
registerSignature(plotCurves, 'plotCurves', 'tstorch.vision.utils.plotCurves', '; *, series, x, xLabel, yLabel, title, width, height, path, colors');
registerSignature(plotCurvesSync, 'plotCurvesSync', 'tstorch.vision.utils.plotCurvesSync', '; *, series, x, xLabel, yLabel, title, width, height, path, colors');

/** matplotlib's tab10 colours, in its order. */
export const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export interface PlotCurvesOptions {
  /** Named series of y values, drawn in this order (NaN and infinite values leave gaps). */
  series: Record<string, readonly number[]>;
  /** x values shared by every series (default 1, 2, 3, ...: epochs). */
  x?: readonly number[];
  xLabel?: string;
  yLabel?: string;
  title?: string;
  width?: number;
  height?: number;
  /** Where to write the PNG (optional: the bytes are returned either way). */
  path?: string;
  colors?: readonly string[];
}

/**
 * Round tick positions (steps of 1, 2 or 5 times a power of ten) inside [lo, hi], or with `cover` from the
 * tick at or below lo to the tick at or above hi (so the axis ends on labelled values).
 */
export function niceTicks(lo: number, hi: number, target = 6, cover = false): number[] {
  [lo, hi, target = 6, cover = false] = bindOwn(niceTicks, arguments) as Parameters<typeof niceTicks>;
  if (!(hi > lo)) { const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1; lo -= d; hi += d; }
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const first = (cover ? Math.floor(lo / step + 1e-9) : Math.ceil(lo / step - 1e-9)) * step;
  const last = cover ? Math.ceil(hi / step - 1e-9) * step : hi;
  const ticks: number[] = [];
  for (let v = first; v <= last + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return ticks;
}

const fmt = (v: number): string => {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(6)));
};

/** The chart as an SVG document. */
export function curvesSvg(opts: PlotCurvesOptions): string {
  [opts] = bindOwn(curvesSvg, arguments) as Parameters<typeof curvesSvg>;
  const names = Object.keys(opts.series);
  if (names.length === 0) throw new RangeError('plotCurves: series is empty');
  for (const n of names) {
    const s = opts.series[n];
    if (!Array.isArray(s) || s.some((v) => typeof v !== 'number')) throw new TypeError(`plotCurves: series '${n}' must be an array of numbers`);
  }
  const W = opts.width ?? 640, H = opts.height ?? 400;
  const colors = opts.colors ?? TAB10;
  const maxLen = Math.max(...names.map((n) => opts.series[n]!.length));
  const xs = opts.x ?? Array.from({ length: maxLen }, (_, i) => i + 1);
  if (xs.length < maxLen) throw new RangeError(`plotCurves: x has ${xs.length} values but a series has ${maxLen}`);
  const ys = names.flatMap((n) => opts.series[n]!.filter(Number.isFinite));
  const usedX = xs.slice(0, Math.max(maxLen, 1));
  let [x0, x1] = [Math.min(...usedX), Math.max(...usedX)];
  let [y0, y1] = ys.length > 0 ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  const xt = niceTicks(x0, x1, 8), yt = niceTicks(y0, y1, 6, true);
  x0 = Math.min(x0, xt[0]!); x1 = Math.max(x1, xt[xt.length - 1]!);
  y0 = Math.min(y0, yt[0]!); y1 = Math.max(y1, yt[yt.length - 1]!);
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= 1; y1 += 1; }
  const L = 70, R = 20, T = opts.title ? 40 : 20, B = opts.xLabel ? 55 : 35;
  const pw = W - L - R, ph = H - T - B;
  const sx = (x: number): number => L + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => T + ph - ((y - y0) / (y1 - y0)) * ph;
  const f = (v: number): string => v.toFixed(2);
  const font = `font-family="${escapeXml(DEFAULT_FONT)}"`;
  const el: string[] = [`<rect width="${W}" height="${H}" fill="#ffffff"/>`];
  for (const t of yt) {
    if (t < y0 || t > y1) continue;
    el.push(`<line x1="${L}" x2="${L + pw}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e0e0e0" stroke-width="1"/>`);
    el.push(`<line x1="${L - 5}" x2="${L}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#000" stroke-width="1"/>`);
    el.push(`<text x="${L - 8}" y="${f(sy(t) + 4)}" ${font} font-size="11" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of xt) {
    if (t < x0 || t > x1) continue;
    el.push(`<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${T}" y2="${T + ph}" stroke="#f0f0f0" stroke-width="1"/>`);
    el.push(`<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${T + ph}" y2="${T + ph + 5}" stroke="#000" stroke-width="1"/>`);
    el.push(`<text x="${f(sx(t))}" y="${T + ph + 18}" ${font} font-size="11" text-anchor="middle">${fmt(t)}</text>`);
  }
  el.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#000" stroke-width="1"/>`);
  names.forEach((n, k) => {
    const color = colors[k % colors.length]!;
    const s = opts.series[n]!;
    // Non-finite values split the line into segments.
    let seg: string[] = [];
    const flush = (): void => {
      if (seg.length > 1) el.push(`<polyline points="${seg.join(' ')}" fill="none" stroke="${escapeXml(color)}" stroke-width="2" stroke-linejoin="round"/>`);
      else if (seg.length === 1) { const [px, py] = seg[0]!.split(','); el.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${escapeXml(color)}"/>`); }
      seg = [];
    };
    s.forEach((v, i) => { if (Number.isFinite(v)) seg.push(`${f(sx(xs[i]!))},${f(sy(v))}`); else flush(); });
    flush();
  });
  const legendW = Math.ceil(Math.max(...names.map((n) => textWidth(n, 11)))) + 44, legendH = names.length * 18 + 8;
  const lx = L + pw - legendW - 8, ly = T + 8;
  el.push(`<rect x="${lx}" y="${ly}" width="${legendW}" height="${legendH}" fill="#ffffff" fill-opacity="0.85" stroke="#cccccc"/>`);
  names.forEach((n, k) => {
    const y = ly + 14 + k * 18;
    el.push(`<line x1="${lx + 8}" x2="${lx + 28}" y1="${y - 4}" y2="${y - 4}" stroke="${escapeXml(colors[k % colors.length]!)}" stroke-width="2"/>`);
    el.push(`<text x="${lx + 34}" y="${y}" ${font} font-size="11">${escapeXml(n)}</text>`);
  });
  if (opts.title) el.push(`<text x="${L + pw / 2}" y="${T - 14}" ${font} font-size="15" text-anchor="middle">${escapeXml(opts.title)}</text>`);
  if (opts.xLabel) el.push(`<text x="${L + pw / 2}" y="${H - 12}" ${font} font-size="12" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`);
  if (opts.yLabel) el.push(`<text transform="translate(16 ${T + ph / 2}) rotate(-90)" ${font} font-size="12" text-anchor="middle">${escapeXml(opts.yLabel)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${el.join('')}</svg>`;
}

/** Renders the chart to PNG bytes, written to `opts.path` when given. */
export async function plotCurves(opts: PlotCurvesOptions): Promise<Uint8Array> {
  [opts] = bindOwn(plotCurves, arguments) as Parameters<typeof plotCurves>;
  const png = await svgToPng(curvesSvg(opts));
  if (opts.path !== undefined) await writeFile(opts.path, png);
  return png;
}

export function plotCurvesSync(opts: PlotCurvesOptions): Uint8Array {
  [opts] = bindOwn(plotCurvesSync, arguments) as Parameters<typeof plotCurvesSync>;
  const png = runSync({ kind: 'svgPng', svg: curvesSvg(opts) }) as Uint8Array;
  if (opts.path !== undefined) writeFileSync(opts.path, png);
  return png;
}
