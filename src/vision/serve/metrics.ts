// The server's metrics in Prometheus' text exposition format (version 0.0.4): counters, gauges and cumulative
// histograms with labels, rendered on GET /metrics. Small on purpose: a registry of named families, each
// holding one series per label set.

type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const entries = Object.entries(labels);
  if (extra) entries.push(extra);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isNaN(v) ? 'NaN' : String(v);
}

const key = (labels: Labels): string => JSON.stringify(Object.entries(labels));

abstract class Family<S> {
  protected readonly series = new Map<string, { labels: Labels; value: S }>();
  constructor(readonly name: string, readonly help: string, readonly type: 'counter' | 'gauge' | 'histogram') {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new RangeError(`metrics: bad metric name '${name}'`);
  }
  protected abstract fresh(): S;
  protected get(labels: Labels): S {
    const k = key(labels);
    let s = this.series.get(k);
    if (s === undefined) {
      s = { labels: { ...labels }, value: this.fresh() };
      this.series.set(k, s);
    }
    return s.value;
  }
  protected abstract lines(labels: Labels, value: S): string[];
  render(): string {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.series.values()) out.push(...this.lines(labels, value));
    return out.join('\n');
  }
}

export class Counter extends Family<{ v: number }> {
  constructor(name: string, help: string) { super(name, help, 'counter'); }
  protected fresh(): { v: number } { return { v: 0 }; }
  inc(labels: Labels = {}, by = 1): void { this.get(labels).v += by; }
  value(labels: Labels = {}): number { return this.series.get(key(labels))?.value.v ?? 0; }
  /** Creates the series at 0 so that it is exported before the first event. */
  touch(labels: Labels = {}): void { this.get(labels); }
  protected lines(labels: Labels, s: { v: number }): string[] { return [`${this.name}${labelText(labels)} ${num(s.v)}`]; }
}

export class Gauge extends Family<{ v: number | (() => number) }> {
  constructor(name: string, help: string) { super(name, help, 'gauge'); }
  protected fresh(): { v: number | (() => number) } { return { v: 0 }; }
  set(labels: Labels, v: number | (() => number)): void { this.get(labels).v = v; }
  value(labels: Labels = {}): number {
    const s = this.series.get(key(labels))?.value.v ?? 0;
    return typeof s === 'function' ? s() : s;
  }
  protected lines(labels: Labels, s: { v: number | (() => number) }): string[] {
    return [`${this.name}${labelText(labels)} ${num(typeof s.v === 'function' ? s.v() : s.v)}`];
  }
}

interface HistogramState { counts: number[]; sum: number; count: number }

export class Histogram extends Family<HistogramState> {
  constructor(name: string, help: string, readonly buckets: readonly number[]) {
    super(name, help, 'histogram');
    if (buckets.some((b, i) => i > 0 && b <= buckets[i - 1]!)) throw new RangeError(`metrics: ${name}'s buckets must increase`);
  }
  protected fresh(): HistogramState { return { counts: this.buckets.map(() => 0), sum: 0, count: 0 }; }
  observe(labels: Labels, v: number): void {
    const s = this.get(labels);
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) s.counts[i]!++;
    s.sum += v;
    s.count++;
  }
  count(labels: Labels = {}): number { return this.series.get(key(labels))?.value.count ?? 0; }
  sum(labels: Labels = {}): number { return this.series.get(key(labels))?.value.sum ?? 0; }
  protected lines(labels: Labels, s: HistogramState): string[] {
    const out = this.buckets.map((b, i) => `${this.name}_bucket${labelText(labels, ['le', num(b)])} ${s.counts[i]}`);
    out.push(`${this.name}_bucket${labelText(labels, ['le', '+Inf'])} ${s.count}`);
    out.push(`${this.name}_sum${labelText(labels)} ${num(s.sum)}`, `${this.name}_count${labelText(labels)} ${s.count}`);
    return out;
  }
}

export class Registry {
  private readonly families: Family<unknown>[] = [];
  counter(name: string, help: string): Counter { return this.add(new Counter(name, help)); }
  gauge(name: string, help: string): Gauge { return this.add(new Gauge(name, help)); }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram { return this.add(new Histogram(name, help, buckets)); }
  private add<F extends Family<any>>(f: F): F {
    if (this.families.some((g) => g.name === f.name)) throw new RangeError(`metrics: '${f.name}' is registered twice`);
    this.families.push(f);
    return f;
  }
  /** The exposition text (Content-Type: text/plain; version=0.0.4). */
  render(): string { return this.families.map((f) => f.render()).join('\n') + '\n'; }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
