// How many libtorch intra-op threads a served model's next forward pass gets, chosen from the forward passes
// themselves. Timed once at start, the answer is only right for the machine as it was then: on 2 cores a
// batch of 8 ResNet18 images runs 1.6x faster on 2 threads than on 1 while the cores are free, but when the
// decoding thread or another process takes a core, an OpenMP team that waits at every barrier for its preempted
// member turns a 45 ms forward pass into 300 ms. So each batch-size class (1, 2-3, 4-7, 8-15...) keeps a moving
// average of the time per image at each candidate thread count, runs the fastest, and now and then runs the
// other candidates again to see whether the machine has changed; an exploration that loses waits twice as long
// before the next one (at most `maxExplore` batches), so a loaded machine pays for one slow batch in hundreds.
// The choice changes only when another candidate is faster by more than `margin`: one lucky re-measurement on a
// noisy machine must not flip it back and forth.
export interface ThreadChoiceOptions {
  /** Batches between explorations while the choice holds (doubling after each lost exploration). */
  explore?: number;
  /** The longest wait between explorations, in batches. */
  maxExplore?: number;
  /** Weight of a new measurement in the moving average. */
  alpha?: number;
  /** How much faster (a fraction) another candidate must be before the choice moves to it (default 0.15). */
  margin?: number;
}

interface Estimate {
  /** Moving average of ms per image. */
  msPerImage: number;
  /** The class's batch count when this estimate was last measured. */
  at: number;
}

interface SizeClass {
  estimates: Map<number, Estimate>;
  batches: number;
  /** Batch count at which the next exploration is due, and the wait after it. */
  nextExplore: number;
  wait: number;
  /** The candidate in use once all are measured. */
  current: number | null;
}

export class ThreadChooser {
  private readonly classes = new Map<number, SizeClass>();
  private readonly explore: number;
  private readonly maxExplore: number;
  private readonly alpha: number;
  private readonly margin: number;

  constructor(readonly candidates: readonly number[], opts: ThreadChoiceOptions = {}) {
    if (candidates.length === 0 || candidates.some((t) => !Number.isInteger(t) || t < 1)) {
      throw new RangeError(`ThreadChooser: candidates must be positive integers, got [${candidates.join(', ')}]`);
    }
    this.explore = opts.explore ?? 16;
    this.maxExplore = opts.maxExplore ?? 512;
    this.alpha = opts.alpha ?? 0.3;
    this.margin = opts.margin ?? 0.15;
    if (!(this.margin >= 0 && this.margin < 1)) throw new RangeError(`ThreadChooser: margin must be in [0, 1), got ${this.margin}`);
  }

  /** Batches of 1, 2-3, 4-7, 8-15, ... share an estimate: their per-image times are close. */
  private classOf(n: number): SizeClass {
    const key = Math.floor(Math.log2(Math.max(1, n)));
    let c = this.classes.get(key);
    if (c === undefined) {
      c = { estimates: new Map(), batches: 0, nextExplore: this.explore, wait: this.explore, current: null };
      this.classes.set(key, c);
    }
    return c;
  }

  /** The candidate in use for batches of `n` (the fastest, up to the margin), or null while one is unmeasured. */
  best(n: number): number | null {
    return this.classOf(n).current;
  }

  /** Moves the class's choice to the fastest candidate if it beats the current one by more than the margin. */
  private decide(c: SizeClass): void {
    if (c.estimates.size < this.candidates.length) return;
    let fastest = this.candidates[0]!;
    for (const t of this.candidates) if (c.estimates.get(t)!.msPerImage < c.estimates.get(fastest)!.msPerImage) fastest = t;
    if (c.current === null || c.estimates.get(fastest)!.msPerImage < c.estimates.get(c.current)!.msPerImage * (1 - this.margin)) c.current = fastest;
  }

  /** The thread count for a batch of `n`: an unmeasured candidate first, then the fastest, exploring when due. */
  choose(n: number): number {
    if (this.candidates.length === 1) return this.candidates[0]!;
    const c = this.classOf(n);
    for (const t of this.candidates) if (!c.estimates.has(t)) return t;
    const best = this.best(n)!;
    if (c.batches < c.nextExplore) return best;
    // The candidate measured longest ago.
    let stalest = best;
    for (const t of this.candidates) if (t !== best && (stalest === best || c.estimates.get(t)!.at < c.estimates.get(stalest)!.at)) stalest = t;
    return stalest;
  }

  /** Records a forward pass of `n` images on `threads` threads that took `ms`. */
  record(n: number, threads: number, ms: number): void {
    if (!this.candidates.includes(threads) || !(ms >= 0)) return;
    const c = this.classOf(n);
    const before = c.current;
    const sample = ms / Math.max(1, n);
    const e = c.estimates.get(threads);
    // An estimate not measured for a while says little about the machine now: the new sample replaces it.
    const fresh = e !== undefined && c.batches - e.at <= this.candidates.length;
    c.estimates.set(threads, { msPerImage: fresh ? e.msPerImage + this.alpha * (sample - e.msPerImage) : sample, at: c.batches });
    c.batches++;
    this.decide(c);
    if (before !== null && threads !== before) {
      // That was an exploration: if it won, explore again soon; if it lost, wait twice as long.
      c.wait = c.current === threads ? this.explore : Math.min(this.maxExplore, c.wait * 2);
      c.nextExplore = c.batches + c.wait;
    }
  }
}

/**
 * The candidates worth re-measuring after the timing at start (`bestMs`: each candidate's best time there, on an
 * idle machine): all but those that use more threads than the fastest and were more than `factor` times slower
 * (default 1.25: at start a lone MobileNet v3 image measured 1.5-2x slower at 2 threads, a ResNet18 one faster).
 * Load only makes a bigger OpenMP team slower (a preempted member holds up every barrier), so such a candidate
 * cannot become the fastest, and every re-measurement costs a slow pass and two thread switches (a lone MobileNet
 * v3 image: 12 ms at 1 thread, 20-30 ms at 2 with the pass after each switch slower still; BENCHMARKS.md). Fewer
 * threads than the fastest always stay: a loaded machine may favour them.
 */
export function keptCandidates(bestMs: ReadonlyMap<number, number>, factor = 1.25): number[] {
  if (!(factor >= 1)) throw new RangeError(`keptCandidates: factor must be at least 1, got ${factor}`);
  const entries = [...bestMs].filter(([, ms]) => ms >= 0);
  if (entries.length === 0) return [...bestMs.keys()];
  const [fastest, fastestMs] = entries.reduce((p, q) => (q[1] < p[1] ? q : p));
  return [...bestMs.keys()].filter((t) => t <= fastest || !(bestMs.get(t)! > fastestMs * factor));
}

/**
 * How many model workers a model gets when the count is left to the server: all `workers` if running them side by
 * side (`togetherImgPerS`, all at their share of the cores) beats one alone (`aloneImgPerS`, the other cores left to
 * decoding and HTTP) by at least `minGain` per extra worker (the default: three quarters of one more worker's
 * throughput), else one. A compute-bound model (ResNet18 at batch 8 on 2 cores: 1.9-2.1x at start) gets them all;
 * a memory-bound one whose copies slow each other down (MobileNet v3: 1.2-1.5x at start) runs one worker, which
 * keeps the other core for decoding: served, one MobileNet worker ran 5-20 % more images/s at 64 clients than two
 * (BENCHMARKS.md). The timing at start leaves out decoding and HTTP, which take their share of the cores from two
 * workers but not from one, hence a threshold above the bare 1 + 0.5 per worker.
 */
export function chooseModelWorkers(aloneImgPerS: number, togetherImgPerS: number, workers: number, minGain = 0.75): number {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`chooseModelWorkers: workers must be a positive integer, got ${workers}`);
  if (workers === 1 || !(aloneImgPerS > 0) || !(togetherImgPerS > 0)) return workers;
  return togetherImgPerS >= aloneImgPerS * (1 + minGain * (workers - 1)) ? workers : 1;
}
