// A tstorch rank of a DistributedDataParallel job: the twin of test/helpers/ddp_reference.py (same data,
// model, sampler, steps, and the same config JSON as its only argument). Run it under `tstorch run`,
// torchrun --no_python, or with RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT set. Writes rank<r>.pt (the DDP
// state dict) and rank<r>.json (losses, step times) into config.out.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/index.js';
import * as models from '../../src/vision/models/index.js';

const { nn } = torch;
const F = nn.functional;

/**
 * bench/ddp-step.ts --paired: a folder where the bench hands turns between two worlds that run at once. Before step k
 * a rank waits for `go-<world>-<k>` there, looking every `pollMs`, and after it writes `done-<world>-<k>-<rank>`.
 */
export interface Turns { dir: string; world: string; pollMs: number }

interface Config {
  data: string;
  out: string;
  steps: number;
  batch: number;
  lr: number;
  momentum: number;
  seed: number;
  model: 'resnet18' | 'tiny';
  findUnused?: boolean;
  noSync?: number;
  syncBn?: boolean;
  staticGraph?: boolean;
  gradientAsBucketView?: boolean;
  bucketCapMb?: number;
  threads?: number;
  /** Uneven inputs: rank r takes join * r more steps, inside ddp.join(). */
  join?: number;
  /** bench/ddp-step.ts --paired's turns (see Turns). */
  turns?: Turns;
}

// Waits for `go-<world>-<step>` (the training loop is synchronous: it sleeps without giving the event loop a turn).
// The bench removes the folder when a world fails, and then the ranks waiting here stop with an error instead of
// polling forever.
const nap = new Int32Array(new SharedArrayBuffer(4));
function awaitTurn(turns: Turns, step: number): void {
  while (!existsSync(join(turns.dir, `go-${turns.world}-${step}`))) {
    if (!existsSync(turns.dir)) throw new Error(`ddp-worker: the turn folder ${turns.dir} is gone (the bench stopped) before step ${step}`);
    Atomics.wait(nap, 0, 0, turns.pollMs);
  }
}

/** The Python twin's Tiny: a convolution, BatchNorm, a head, and a second head that never runs. */
class Tiny extends nn.Module {
  conv = new nn.Conv2d(3, 8, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(8);
  head = new nn.Linear(8, 10);
  head2 = new nn.Linear(8, 10);
  override forward(x: torch.Tensor): torch.Tensor {
    const h = F.relu(this.bn.call(this.conv.call(x)));
    return this.head.call(F.adaptiveAvgPool2d(h, 1).flatten(1));
  }
}

function loadCifar(folder: string): { images: torch.Tensor; labels: torch.Tensor } {
  const raw = readFileSync(join(folder, 'data_batch_1.bin'));
  const n = raw.length / 3073;
  const pixels = new Uint8Array(n * 3072);
  const labels = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = BigInt(raw[i * 3073]!);
    pixels.set(raw.subarray(i * 3073 + 1, (i + 1) * 3073), i * 3072);
  }
  return { images: torch.tensor(pixels, { dtype: 'uint8' }).view([n, 3, 32, 32]), labels: torch.tensor(labels, { dtype: 'int64' }) };
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]!) as Config;
  torch.setNumThreads(cfg.threads ?? 1);
  const dist = torch.distributed;
  await dist.initProcessGroup({ backend: 'gloo' });
  const rank = dist.getRank();
  const world = dist.getWorldSize();
  const { images, labels } = loadCifar(cfg.data);
  torch.manualSeed(cfg.seed);
  let model: torch.nn.Module = cfg.model === 'resnet18' ? models.resnet18({ numClasses: 10 }) : new Tiny();
  if (cfg.syncBn) model = nn.SyncBatchNorm.convertSyncBatchnorm(model);
  const ddp = new nn.parallel.DistributedDataParallel(model, {
    findUnusedParameters: cfg.findUnused ?? false, staticGraph: cfg.staticGraph ?? false, bucketCapMb: cfg.bucketCapMb ?? 25,
    gradientAsBucketView: cfg.gradientAsBucketView ?? false,
  });
  const opt = new torch.optim.SGD(ddp.parameters(), { lr: cfg.lr, momentum: cfg.momentum });
  const sampler = new torch.utils.data.DistributedSampler({ length: Number(labels.shape[0]) }, { numReplicas: world, rank, shuffle: true, seed: cfg.seed });
  sampler.setEpoch(0);
  const order = [...sampler];
  const micro = cfg.noSync ?? 1;
  const b = cfg.batch;
  const losses: number[] = [];
  const times: number[] = [];
  const cpuTimes: number[] = []; // the process's CPU time per step (every thread: Gloo's included), as Python's time.process_time()
  // Per step, the last micro-step's forward (with the loss) and backward (with the bucket allreduces) and the
  // optimizer step, in seconds (bench/ddp-step.ts prints their medians)
  const phases: { forward: number; backward: number; step: number }[] = [];
  let forward = 0;
  let backward = 0;
  let pos = 0;
  const microStep = (): number => torch.tidy(() => {
    const idx = torch.tensor(order.slice(pos, pos + b).map(BigInt), { dtype: 'int64' });
    pos += b;
    const x = images.indexSelect(0, idx).float().div(255).sub(0.5).div(0.5);
    const y = labels.indexSelect(0, idx);
    const tf = performance.now();
    const loss = F.crossEntropy(ddp.call(x), y);
    const tb = performance.now();
    loss.backward();
    forward = (tb - tf) / 1000;
    backward = (performance.now() - tb) / 1000;
    return loss.item();
  });
  const steps = cfg.steps + (cfg.join ?? 0) * rank;
  const turns = cfg.turns;
  const loop = (): void => {
    for (let step = 0; step < steps; step++) {
      if (turns) awaitTurn(turns, step);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      opt.zeroGrad({ setToNone: false });
      let loss = 0;
      for (let k = 0; k < micro; k++) loss = k < micro - 1 ? ddp.noSync(microStep) : microStep();
      const ts = performance.now();
      torch.noGrad(() => opt.step());
      const t1 = performance.now();
      phases.push({ forward, backward, step: (t1 - ts) / 1000 });
      times.push((t1 - t0) / 1000);
      const c = process.cpuUsage(c0);
      cpuTimes.push((c.user + c.system) / 1e6);
      losses.push(loss);
      if (turns) writeFileSync(join(turns.dir, `done-${turns.world}-${step}-${rank}`), '');
    }
  };
  if (cfg.join) ddp.join().run(loop);
  else loop();
  mkdirSync(cfg.out, { recursive: true });
  torch.save(ddp.stateDict(), join(cfg.out, `rank${rank}.pt`));
  const logging = ddp.getDdpLoggingData();
  const keep = ['bucket_sizes', 'num_buckets_reduced', 'has_rebuilt_buckets', 'rebuilt_bucket_sizes'];
  writeFileSync(join(cfg.out, `rank${rank}.json`), JSON.stringify({
    losses, times, cpuTimes, phases, rank, world, kind: 'tstorch', logging: Object.fromEntries(Object.entries(logging).filter(([k]) => keep.includes(k))),
  }));
  dist.destroyProcessGroup();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
