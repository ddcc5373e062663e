// The served model's per-batch choice of libtorch threads (src/vision/serve/thread-choice.ts): measured times
// decide, every candidate is measured before one is trusted, the loser is re-measured now and then (less often
// each time it loses again), and a machine that changes (a core taken by another process) changes the choice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseModelWorkers, keptCandidates, ThreadChooser } from '../src/vision/serve/thread-choice.js';

/** Runs `batches` batches of `n` through the chooser with per-image times from `msPerImage(threads)`; the threads used. */
function serve(c: ThreadChooser, n: number, batches: number, msPerImage: (threads: number) => number): number[] {
  const used: number[] = [];
  for (let i = 0; i < batches; i++) {
    const t = c.choose(n);
    used.push(t);
    c.record(n, t, msPerImage(t) * n);
  }
  return used;
}

test('ThreadChooser measures every candidate, then keeps the fastest per batch-size class', () => {
  const c = new ThreadChooser([1, 2], { explore: 8 });
  assert.equal(c.best(8), null);
  // Unmeasured candidates come first, in order.
  assert.deepEqual(serve(c, 8, 2, (t) => (t === 1 ? 45 : 27)), [1, 2]);
  assert.equal(c.best(8), 2);
  // Batches of 8-15 share the estimate; a batch of 1 is another class, still unmeasured.
  assert.equal(c.choose(12), 2);
  assert.equal(c.best(1), null);
  assert.equal(c.choose(1), 1);
  c.record(1, 1, 40);
  c.record(1, 2, 300); // one image on a busy machine: two threads lose badly
  assert.equal(c.best(1), 1);
  assert.equal(c.best(8), 2, 'the classes do not mix');
});

test('ThreadChooser re-measures the loser, less often while it keeps losing', () => {
  const c = new ThreadChooser([1, 2], { explore: 4, maxExplore: 32 });
  const used = serve(c, 1, 200, (t) => (t === 1 ? 40 : 60));
  const explorations = used.map((t, i) => (t === 2 ? i : -1)).filter((i) => i >= 0);
  // The first measurement (batch 1), the first exploration when 4 batches have run, then waits of 8, 16, 32, 32...
  assert.equal(explorations[0], 1);
  const gaps = explorations.slice(1).map((b, i) => b - explorations[i]!);
  assert.deepEqual(gaps.slice(0, 4), [3, 9, 17, 33]);
  assert.ok(gaps.every((g) => g <= 33), `gaps ${gaps.join(', ')}`);
  assert.ok(explorations.length <= 10, `${explorations.length} slow batches in 200`);
});

test('ThreadChooser follows the machine when it changes', () => {
  const c = new ThreadChooser([1, 2], { explore: 4, maxExplore: 16 });
  // A quiet machine: 2 threads win.
  let used = serve(c, 8, 40, (t) => (t === 1 ? 45 : 27));
  assert.equal(used.at(-1), 2);
  // Another process takes a core: the two-thread team waits for its preempted member at every barrier.
  used = serve(c, 8, 40, (t) => (t === 1 ? 47 : 300));
  assert.equal(c.best(8), 1);
  assert.ok(used.filter((t) => t === 2).length <= 5, `2 threads ran ${used.filter((t) => t === 2).length} of 40 batches`);
  // The core comes back: the next exploration finds it.
  used = serve(c, 8, 40, (t) => (t === 1 ? 45 : 27));
  assert.equal(c.best(8), 2);
  assert.ok(used.slice(-10).filter((t) => t === 2).length >= 8, `last 10 batches: ${used.slice(-10).join(', ')}`);
});

test('ThreadChooser keeps its choice against a re-measurement faster by less than the margin', () => {
  const c = new ThreadChooser([1, 2], { explore: 4, margin: 0.15 });
  serve(c, 1, 2, (t) => (t === 1 ? 15 : 16));
  assert.equal(c.best(1), 1);
  // One lucky two-thread pass moves its average to 14.2 ms, within 15 % of one thread's 15 ms: no switch.
  c.record(1, 2, 10);
  assert.equal(c.best(1), 1);
  // Passes that keep being 25 % faster move it.
  for (let i = 0; i < 5; i++) c.record(1, 2, 11);
  assert.equal(c.best(1), 2);
  assert.throws(() => new ThreadChooser([1, 2], { margin: 1 }), /margin must be in \[0, 1\), got 1/);
});

test('ThreadChooser with one candidate (threads fixed) never explores; bad candidates are an error', () => {
  const c = new ThreadChooser([3]);
  assert.deepEqual(serve(c, 4, 20, () => 10), Array(20).fill(3));
  assert.throws(() => new ThreadChooser([]), /candidates must be positive integers/);
  assert.throws(() => new ThreadChooser([1, 0]), /candidates must be positive integers, got \[1, 0\]/);
});

test('keptCandidates drops only the bigger teams that lost badly at start', () => {
  // A lone MobileNet v3 image on this machine: 1 thread 13 ms, 2 threads 21 ms (1.6x): 2 is not re-measured.
  assert.deepEqual(keptCandidates(new Map([[1, 13], [2, 21]])), [1]);
  // A lone ResNet18 image: 2 threads faster; 1 thread stays (a loaded machine may favour it), whatever its time.
  assert.deepEqual(keptCandidates(new Map([[1, 50], [2, 43]])), [1, 2]);
  assert.deepEqual(keptCandidates(new Map([[1, 90], [2, 43]])), [1, 2]);
  // Close calls stay: the chooser keeps measuring them as it serves.
  assert.deepEqual(keptCandidates(new Map([[1, 13], [2, 16]])), [1, 2]);
  assert.deepEqual(keptCandidates(new Map([[1, 13], [2, 17]])), [1]);
  assert.deepEqual(keptCandidates(new Map([[1, 10], [2, 30], [4, 14]]), 1.5), [1, 4]);
  assert.deepEqual(keptCandidates(new Map([[1, 13], [2, 19]]), 1.5), [1, 2]);
  assert.throws(() => keptCandidates(new Map([[1, 1]]), 0.5), /factor must be at least 1, got 0.5/);
});

test('chooseModelWorkers keeps the workers side by side only when they pay for their cores', () => {
  // ResNet18 at batch 8 on 2 cores (BENCHMARKS.md): one worker 21 img/s, two side by side 45: both.
  assert.equal(chooseModelWorkers(21.0, 45.1, 2), 2);
  // MobileNet v3: 87 alone, 114 side by side (1.31x), or 60 and 90.5 (1.51x): one worker, the other core decodes.
  assert.equal(chooseModelWorkers(87.3, 114.4, 2), 1);
  assert.equal(chooseModelWorkers(60.0, 90.5, 2), 1);
  // The threshold: three quarters of one more worker's throughput per extra worker.
  assert.equal(chooseModelWorkers(10, 17.5, 2), 2);
  assert.equal(chooseModelWorkers(10, 17.4, 2), 1);
  assert.equal(chooseModelWorkers(10, 32.5, 4), 4);
  assert.equal(chooseModelWorkers(10, 32.4, 4), 1);
  assert.equal(chooseModelWorkers(10, 15, 2, 0.5), 2);
  assert.equal(chooseModelWorkers(10, 12, 2, 0.1), 2);
  // Nothing to choose, or nothing measured: the count stays.
  assert.equal(chooseModelWorkers(10, 5, 1), 1);
  assert.equal(chooseModelWorkers(0, 0, 2), 2);
  assert.equal(chooseModelWorkers(NaN, 20, 2), 2);
  assert.throws(() => chooseModelWorkers(1, 2, 0), /workers must be a positive integer, got 0/);
});
