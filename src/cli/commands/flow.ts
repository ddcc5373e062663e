// `tstorch flow frame1.png frame2.png --out flow.png [--model raft_large|raft_small] [--weights W]`: the optical
// flow from the first frame to the second with RAFT, written as torchvision's flow picture (flowToImage: the
// colour gives the direction, the saturation the magnitude), plus a panel picture of both frames and the flow,
// and the flow itself as a tensor file on request. Frames whose sides are not multiples of 8 are resized down
// to the nearest multiples (RAFT's encoders divide by 8).
import * as torch from '../../index.js';
import { parseArgs, helpText, type OptionSpec } from '../args.js';
import { UserError } from '../errors.js';
import { openImage } from '../../vision/io/decode.js';
import { writePng } from '../../vision/io/tensor-io.js';
import { imageToTensor } from '../../vision/io/image.js';
import { resize } from '../../vision/transforms/image-geometry.js';
import { loadZooModel } from '../../train/pretrained.js';
import { OpticalFlow } from '../../vision/models/optical-flow/preset.js';
import { flowToImage } from '../../vision/utils/flow.js';
import { makeGrid, gridToImage } from '../../vision/utils/grid.js';

const spec = {
  out: { type: 'string', default: 'flow.png', help: 'the flow picture (PNG)', path: 'outFile' },
  model: { type: 'string', default: 'raft_large', choices: ['raft_large', 'raft_small'], help: 'RAFT variant' },
  weights: { type: 'string', default: 'DEFAULT', help: "DEFAULT, a published name (C_T_SKHT_V2, ...), a checkpoint file, or 'none'" },
  updates: { type: 'number', default: 12, help: 'flow updates (num_flow_updates); the last one is shown' },
  panels: { type: 'string', help: 'also write a picture of frame 1, frame 2 and the flow side by side', path: 'outFile' },
  saveFlow: { type: 'string', help: 'save the flow [2, H, W] float32 with torch.save (PyTorch reads it)', path: 'outFile' },
  json: { type: 'boolean', default: false, help: 'print the flow statistics as JSON' },
  threads: { type: 'number', default: 0, help: 'libtorch intra-op threads (0: all cores)' },
} satisfies Record<string, OptionSpec>;

export const help = helpText('flow', '<frame1> <frame2> [--out flow.png] [--model raft_large] [--weights W] [options]', spec);

async function readFrame(path: string): Promise<torch.Tensor> {
  try {
    return imageToTensor(await openImage(path, { mode: 'RGB' }));
  } catch (e) {
    throw new UserError(`flow: cannot read image '${path}': ${(e as Error).message}`);
  }
}

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, spec, 'flow', { max: Infinity });
  if (a._.length !== 2) throw new UserError(`flow: name two frames, e.g. 'tstorch flow frame1.png frame2.png --out flow.png' (got ${a._.length})`);
  if (!Number.isInteger(a.updates) || a.updates < 1) throw new UserError(`flow: --updates must be a positive integer, got ${a.updates}`);
  if (a.threads > 0) torch.setNumThreads(a.threads);
  const [f1, f2] = await Promise.all(a._.map(readFrame)) as [torch.Tensor, torch.Tensor];
  if (f1.shape.join() !== f2.shape.join()) throw new UserError(`flow: the frames differ in size: ${f1.shape[2]}x${f1.shape[1]} and ${f2.shape[2]}x${f2.shape[1]}`);
  const [, h0, w0] = f1.shape as number[] as [number, number, number];
  const h = h0 - (h0 % 8), w = w0 - (w0 % 8);
  if (h < 128 || w < 128) throw new UserError(`flow: the frames are ${w0}x${h0}; RAFT needs at least 128x128 (its coarsest correlation level would be empty)`);
  const [img1, img2] = h === h0 && w === w0 ? [f1, f2] : [resize(f1, [h, w]), resize(f2, [h, w])];
  if (h !== h0 || w !== w0) console.error(`flow: note: frames resized from ${w0}x${h0} to ${w}x${h} (multiples of 8)`);

  const loaded = await loadZooModel(a.model!, a.weights!);
  if (loaded.kind === 'none') console.error('flow: note: random weights (--weights none); the flow means nothing');
  const [x1, x2] = new OpticalFlow().call(img1.unsqueeze(0), img2.unsqueeze(0));
  const t0 = performance.now();
  const flow = torch.inferenceMode(() => torch.tidy(() => {
    const preds = loaded.model.eval().call(x1, x2, a.updates) as torch.Tensor[];
    return preds[preds.length - 1]!.select(0, 0).clone();
  }));
  const ms = performance.now() - t0;
  const picture = flowToImage(flow);
  writePng(picture, a.out!);
  const mag = flow.pow(2).sum(0).sqrt();
  const stats = {
    model: a.model, weights: loaded.source, width: w, height: h, updates: a.updates, ms: Math.round(ms),
    meanMagnitude: mag.mean().item(), maxMagnitude: mag.max().item() as number,
    meanFlow: [flow.select(0, 0).mean().item(), flow.select(0, 1).mean().item()],
  };
  if (a.saveFlow) torch.save(flow, a.saveFlow);
  if (a.panels) {
    const grid = makeGrid([img1, img2, picture].map((t) => t.to('float32').div(255)), { nrow: 3, padding: 4 });
    writePng(gridToImage(grid), a.panels);
  }
  if (a.json) {
    console.log(JSON.stringify({ ...stats, out: a.out, panels: a.panels ?? null, saveFlow: a.saveFlow ?? null }, null, 2));
  } else {
    console.log(`${a.model} (${loaded.source}), ${w}x${h}, ${a.updates} updates in ${(ms / 1000).toFixed(1)} s:`);
    console.log(`  flow magnitude: mean ${stats.meanMagnitude.toFixed(2)} px, max ${stats.maxMagnitude.toFixed(2)} px; mean flow (${stats.meanFlow.map((v) => v.toFixed(2)).join(', ')}) px`);
    console.log(`  flow picture: ${a.out}${a.panels ? `; frames and flow: ${a.panels}` : ''}${a.saveFlow ? `; flow tensor: ${a.saveFlow}` : ''}`);
  }
}
