// A terminal progress bar in tqdm's style. On a TTY it redraws one line with a carriage return (at most every
// `minIntervalMs`); elsewhere (logs, CI, pipes) it prints a plain line every `percentStep` percent, or on
// close when the total is unknown, so logs stay readable.
import type { Writable } from 'node:stream';
import { bindOwn, classArgs, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(formatNumber, 'formatNumber', 'tstorch.utils.formatNumber', 'v');

export interface ProgressOptions {
  /** Expected number of steps (unknown: no percentage, bar or ETA). */
  total?: number;
  desc?: string;
  /** Unit of a step ('it', 'img', 'B'). */
  unit?: string;
  /** Show counts with k/M/G prefixes (1024-based for 'B'). */
  unitScale?: boolean;
  /** Where to draw (default process.stderr). */
  stream?: Writable & { isTTY?: boolean; columns?: number };
  /** Force TTY or plain-line mode instead of asking the stream. */
  tty?: boolean;
  /** Least time between two redraws on a TTY. */
  minIntervalMs?: number;
  /** In plain-line mode, a line each time another `percentStep` percent is done. */
  percentStep?: number;
  /** Width of the bar in characters. */
  barWidth?: number;
  disable?: boolean;
}

function formatInterval(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

/** Python's '{:.3g}' format. */
function g3(v: number): string {
  if (v === 0) return '0';
  const [mant, expStr] = v.toExponential(2).split('e') as [string, string];
  const exp = Number(expStr);
  const strip = (x: string): string => (x.includes('.') ? x.replace(/0+$/, '').replace(/\.$/, '') : x);
  if (exp < -4 || exp >= 3) return `${strip(mant)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return strip(v.toFixed(Math.max(0, 2 - exp)));
}

/** A postfix value as tqdm's format_num writes it: three significant digits when that is shorter. */
export function formatNumber(v: number): string {
  [v] = bindOwn(formatNumber, arguments) as Parameters<typeof formatNumber>;
  if (!Number.isFinite(v)) return String(v);
  const f = g3(v).replace('+0', '+').replace('-0', '-');
  const n = String(v);
  return f.length < n.length ? f : n;
}

function scaled(n: number, unit: string, scale: boolean): string {
  if (!scale) return Number.isInteger(n) ? String(n) : n.toFixed(1);
  const base = unit === 'B' ? 1024 : 1000;
  const prefixes = unit === 'B' ? ['', 'Ki', 'Mi', 'Gi', 'Ti'] : ['', 'k', 'M', 'G', 'T'];
  let i = 0;
  while (Math.abs(n) >= base && i < prefixes.length - 1) { n /= base; i++; }
  return `${i === 0 && Number.isInteger(n) ? n : n.toFixed(i === 0 ? 1 : 2)}${prefixes[i]}`;
}

export class ProgressBar {
  readonly total: number | undefined;
  readonly desc: string;
  readonly unit: string;
  private readonly unitScale: boolean;
  private readonly stream: Writable & { isTTY?: boolean; columns?: number };
  private readonly tty: boolean;
  private readonly minIntervalMs: number;
  private readonly percentStep: number;
  private readonly barWidth: number;
  private readonly disabled: boolean;
  private readonly start = performance.now();
  private lastDraw = -Infinity;
  private lastPercentLine = -1;
  private postfix: Record<string, string> = {};
  private closed = false;
  private lastLineLength = 0;
  /** Steps done so far. */
  n = 0;

  constructor(opts: ProgressOptions = {}) {
    [opts = {}] = bindOwn(ProgressBar, arguments) as ConstructorParameters<typeof ProgressBar>;
    if (opts.total !== undefined && !(opts.total >= 0)) throw new RangeError(`ProgressBar: total must be >= 0, got ${opts.total}`);
    this.total = opts.total;
    this.desc = opts.desc ?? '';
    this.unit = opts.unit ?? 'it';
    this.unitScale = opts.unitScale ?? false;
    this.stream = opts.stream ?? process.stderr;
    this.tty = opts.tty ?? Boolean(this.stream.isTTY);
    this.minIntervalMs = opts.minIntervalMs ?? 100;
    this.percentStep = opts.percentStep ?? 10;
    this.barWidth = opts.barWidth ?? 25;
    this.disabled = opts.disable ?? false;
  }

  /** Advances by n steps and redraws when due. */
  update(n = 1): void {
    this.n += n;
    if (this.disabled || this.closed) return;
    if (this.tty) {
      const now = performance.now();
      if (now - this.lastDraw >= this.minIntervalMs || (this.total !== undefined && this.n >= this.total)) {
        this.lastDraw = now;
        this.draw();
      }
    } else if (this.total !== undefined && this.total > 0) {
      const pct = Math.floor((Math.min(this.n, this.total) / this.total) * 100 / this.percentStep) * this.percentStep;
      if (pct > this.lastPercentLine && pct < 100) {
        this.lastPercentLine = pct;
        if (pct > 0) this.stream.write(this.line() + '\n');
      }
    }
  }

  /** Values shown after the rate (loss, accuracy, img/s): numbers get three significant digits. */
  setPostfix(values: Record<string, number | string>, refresh = true): void {
    this.postfix = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'number' ? formatNumber(v) : v]));
    if (refresh && this.tty && !this.disabled && !this.closed) this.draw();
  }

  /** Steps per second since the start. */
  get rate(): number {
    const dt = (performance.now() - this.start) / 1000;
    return dt > 0 ? this.n / dt : 0;
  }

  /** The status line without the carriage return. */
  line(): string {
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = elapsed > 0 ? this.n / elapsed : 0;
    const desc = this.desc ? `${this.desc}: ` : '';
    const post = Object.entries(this.postfix).map(([k, v]) => `${k}=${v}`).join(', ');
    const rateStr = rate > 0 ? (rate >= 1 || this.unitScale ? `${scaled(rate, this.unit, this.unitScale)}${this.unit}/s` : `${formatNumber(1 / rate)}s/${this.unit}`) : `?${this.unit}/s`;
    const count = scaled(this.n, this.unit, this.unitScale);
    if (this.total === undefined) {
      return `${desc}${count}${this.unit} [${formatInterval(elapsed)}, ${rateStr}${post ? ', ' + post : ''}]`;
    }
    const frac = this.total > 0 ? Math.min(this.n / this.total, 1) : 1;
    const filled = Math.round(frac * this.barWidth);
    const bar = '#'.repeat(filled) + ' '.repeat(this.barWidth - filled);
    const eta = rate > 0 ? (this.total - this.n) / rate : Infinity;
    return `${desc}${String(Math.floor(frac * 100)).padStart(3)}%|${bar}| ${count}/${scaled(this.total, this.unit, this.unitScale)}`
      + ` [${formatInterval(elapsed)}<${formatInterval(Math.max(eta, 0))}, ${rateStr}${post ? ', ' + post : ''}]`;
  }

  private draw(): void {
    let s = this.line();
    const cols = this.stream.columns;
    if (cols && s.length > cols - 1) s = s.slice(0, cols - 1);
    const padding = this.lastLineLength > s.length ? ' '.repeat(this.lastLineLength - s.length) : '';
    this.lastLineLength = s.length;
    this.stream.write(`\r${s}${padding}`);
  }

  /** Draws the final state and ends the line. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.disabled) return;
    if (this.tty) {
      this.draw();
      this.stream.write('\n');
    } else {
      this.stream.write(this.line() + '\n');
    }
  }

  /** Wraps an iterable: one step per item, closed at the end. */
  static *wrap<T>(items: Iterable<T> & { length?: number }, opts: ProgressOptions = {}): Generator<T> {
    const bar = new ProgressBar({ total: typeof items.length === 'number' ? items.length : undefined, ...opts });
    try {
      for (const x of items) {
        yield x;
        bar.update(1);
      }
    } finally {
      bar.close();
    }
  }
}
classArgs(ProgressBar, 'tstorch.utils.ProgressBar', '; *, total, desc, unit, unitScale, stream, tty, minIntervalMs, percentStep, barWidth, disable');
