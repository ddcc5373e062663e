// Detection speed, tstorch vs PyTorch side by side in one run: eval-mode inference at batch 1 on an 800-px photo
// (a hymenoptera photo resized by the model's own transform to its 800-px short side) for Faster R-CNN ResNet-50
// FPN, Mask R-CNN and (where the build has it) RetinaNet; and a training step (forward, backward, SGD) of Faster
// R-CNN MobileNetV3-Large 320 at batch 2. Both sides build the model from the same seed (same random weights, so
// the same number of detections reaches the heads) and use the same thread count.
//
// The two sides alternate (a round of tstorch, then a fresh PyTorch process) and the report compares the median
// time of all rounds. Note the machine's load (uptime) next to any numbers you keep.
//
//   node --import tsx bench/detection-inference.ts --data ../shared/data [--models fasterrcnn_resnet50_fpn,...]
//       [--rounds 3] [--iters 3] [--warmup 1] [--threads N]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { parseArgs } from '../src/cli/args.js';
import { median } from './stats.js';

const PYTHON = process.env.TSTORCH_PYTHON ?? '/usr/bin/python3';
const a = parseArgs(process.argv.slice(2), {
  data: { type: 'string', default: process.env.TSTORCH_DATA ?? '../shared/data', help: 'folder with hymenoptera_data' },
  models: { type: 'string', default: 'fasterrcnn_resnet50_fpn:infer,maskrcnn_resnet50_fpn:infer,retinanet_resnet50_fpn:infer,fasterrcnn_mobilenet_v3_large_320_fpn:train', help: 'model:mode list' },
  rounds: { type: 'number', default: 3, help: 'alternations of tstorch and PyTorch per model' },
  iters: { type: 'number', default: 3, help: 'timed runs per round' },
  warmup: { type: 'number', default: 1, help: 'untimed runs first, each round' },
  threads: { type: 'number', default: 0, help: 'intra-op threads for both (0: tstorch default)' },
}, 'detection-inference');
if (a.threads > 0) torch.setNumThreads(a.threads);
const threads = torch.getNumThreads();
const imagePath = join(a.data!, 'hymenoptera_data', 'val', 'ants', '10308379_1b6c72e180.jpg');
const img = vision.io.readImage(imagePath, 'RGB').float().div(255);

for (const spec of a.models!.split(',')) {
  const [name, mode] = spec.split(':') as [string, 'infer' | 'train'];
  let builder: (o: Record<string, unknown>) => torch.nn.Module;
  try {
    builder = vision.models.getModelBuilder(name) as typeof builder;
  } catch {
    console.log(JSON.stringify({ model: name, mode, skipped: 'not in this build' }));
    continue;
  }
  torch.manualSeed(0);
  const model = builder({ weights: null, weightsBackbone: null });
  const ours: number[] = [];
  const theirs: number[] = [];
  // process CPU time (user + system) and minor page faults per pass: steadier than wall time on a shared machine
  const oursCpu: number[] = [];
  const theirsCpu: number[] = [];
  const oursFaults: number[] = [];
  const theirsFaults: number[] = [];
  const [h, w] = [img.shape[1]!, img.shape[2]!];
  const targets = [0, 1].map(() => ({ boxes: torch.tensor([[0.1 * w, 0.2 * h, 0.6 * w, 0.9 * h]]), labels: torch.tensor([1], { dtype: 'int64' }) }));
  const flipped = img.flip([-1]);
  const optimizer = new torch.optim.SGD(model.parameters().filter((p) => p.requiresGrad), { lr: 0.001, momentum: 0.9 });
  for (let round = 0; round < a.rounds; round++) {
    if (mode === 'infer') model.eval(); else model.train();
    for (let i = 0; i < a.warmup + a.iters; i++) {
      const t0 = performance.now();
      const r0 = process.resourceUsage();
      if (mode === 'infer') {
        torch.inferenceMode(() => torch.tidy(() => { model.call([img]); }));
      } else {
        torch.manualSeed(1 + i);
        torch.tidy(() => {
          const losses = model.call([img, flipped], targets) as Record<string, torch.Tensor>;
          optimizer.zeroGrad();
          Object.values(losses).reduce((s, v) => s.add(v)).backward();
          optimizer.step();
        });
      }
      if (i >= a.warmup) {
        ours.push(performance.now() - t0);
        const r1 = process.resourceUsage();
        oursCpu.push((r1.userCPUTime + r1.systemCPUTime - r0.userCPUTime - r0.systemCPUTime) / 1000);
        oursFaults.push(r1.minorPageFault - r0.minorPageFault);
      }
    }
    const py = spawnSync(PYTHON, ['bench/pytorch/detection_inference.py', '--model', name, '--mode', mode, '--image', imagePath,
      '--iters', String(a.iters), '--warmup', String(a.warmup), '--threads', String(threads)], { encoding: 'utf8' });
    if (py.status !== 0) throw new Error(`PyTorch side failed:\n${py.stderr}`);
    const pj = JSON.parse(py.stdout.trim().split('\n').pop()!) as { times_ms: number[]; cpu_ms: number[]; minflt: number[] };
    theirs.push(...pj.times_ms);
    theirsCpu.push(...pj.cpu_ms);
    theirsFaults.push(...pj.minflt);
  }
  const [mt, mp] = [median(ours), median(theirs)];
  console.log(JSON.stringify({
    model: name, mode, threads, tstorchMs: Math.round(mt), pytorchMs: Math.round(mp), speedVsPytorch: Number((mp / mt).toFixed(2)),
    tstorchMinMs: Math.round(Math.min(...ours)), pytorchMinMs: Math.round(Math.min(...theirs)),
    tstorchCpuMs: Math.round(median(oursCpu)), pytorchCpuMs: Math.round(median(theirsCpu)), cpuSpeedVsPytorch: Number((median(theirsCpu) / median(oursCpu)).toFixed(2)),
    tstorchMinCpuMs: Math.round(Math.min(...oursCpu)), pytorchMinCpuMs: Math.round(Math.min(...theirsCpu)),
    tstorchPageFaults: Math.round(median(oursFaults)), pytorchPageFaults: Math.round(median(theirsFaults)),
  }));
}
