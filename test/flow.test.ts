// vision.utils.flowToImage against torchvision.utils.flow_to_image (exact pixels), and `tstorch flow` against
// torchvision's RAFT on the same checkpoint and frames (resized to multiples of 8 as F.resize does): the flow,
// its picture, the panels, the saved tensor, and the errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { flowToImage, makeColorwheel } from '../src/vision/utils/index.js';
import { openImageSync } from '../src/vision/io/decode.js';
import { writePng } from '../src/vision/io/tensor-io.js';
import { imageToTensor } from '../src/vision/io/image.js';
import { runPython, assertClose } from './helpers/pytorch.js';
import { cli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-flow-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// a rotation about the centre plus a drift: every direction of the wheel and a range of magnitudes
const [ys, xs] = torch.meshgrid([torch.arange(48, { dtype: 'float32' }), torch.arange(64, { dtype: 'float32' })], 'ij') as [torch.Tensor, torch.Tensor];
const rotation = torch.stack([ys.sub(24).neg().add(3), xs.sub(32).sub(2)]);
torch.manualSeed(4);
const noisy = torch.randn([2, 2, 9, 11]).mul(5);

// frames: a smooth random texture, the second one shifted 3 px right and 2 px down; 168 x 136, and a 170 x 140
// pair (not multiples of 8) for the resizing
const tex = torch.nn.functional.interpolate(torch.rand([1, 3, 12, 14]), { size: [150, 180], mode: 'bicubic', alignCorners: false }).clamp(0, 1).mul(255).round().to('uint8').select(0, 0);
const paths = [join(dir, 'f1.png'), join(dir, 'f2.png')];
writePng(tex.index(':', '4:140', '5:173').contiguous(), paths[0]!);
writePng(tex.index(':', '2:138', '2:170').contiguous(), paths[1]!);
const oddPaths = [join(dir, 'g1.png'), join(dir, 'g2.png')];
writePng(tex.index(':', '4:144', '5:175').contiguous(), oddPaths[0]!);
writePng(tex.index(':', '2:142', '2:172').contiguous(), oddPaths[1]!);
const ckpt = join(dir, 'raft_small.pth');

const ref = runPython(`
from torchvision.utils import flow_to_image
from torchvision.utils import _make_colorwheel
import torchvision.transforms.functional as TF
from torchvision.io import read_image
OUT['wheel'] = _make_colorwheel()
OUT['rotation'] = flow_to_image(T['rotation'])
OUT['noisy'] = flow_to_image(T['noisy'])
torch.manual_seed(3)
m = torchvision.models.optical_flow.raft_small()
with torch.no_grad():
    m.update_block.flow_head.conv2.weight.mul_(4)   # a flow of pixels rather than of hundredths
torch.save(m.state_dict(), J['ckpt'])
imgs = [read_image(p).unsqueeze(0) for p in J['paths']]
a, b = torchvision.models.optical_flow.Raft_Small_Weights.DEFAULT.transforms()(*imgs)
with torch.no_grad():
    flow = m.eval()(a, b, num_flow_updates=5)[-1][0]
OUT['flow'] = flow
OUT['flow_image'] = flow_to_image(flow)
`, { tensors: { rotation, noisy }, json: { ckpt, paths } });

test("flowToImage equals torchvision's flow_to_image pixel for pixel (colour wheel, single and batched flows)", () => {
  assert.ok(makeColorwheel().eq(ref.tensors['wheel']!).all().item(), 'the colour wheel');
  for (const k of ['rotation', 'noisy']) {
    const ours = flowToImage(k === 'rotation' ? rotation : noisy);
    assert.deepEqual(ours.shape, ref.tensors[k]!.shape);
    assert.equal(ours.dtype, torch.uint8);
    assert.ok(ours.eq(ref.tensors[k]!).all().item(), `${k}: pixels differ`);
  }
  writePng(flowToImage(rotation), join(dir, 'wheel.png'));
  if (process.env.TSTORCH_KEEP_PICTURES) writePng(flowToImage(rotation), process.env.TSTORCH_KEEP_PICTURES + '/flow-wheel.png');
  assert.throws(() => flowToImage(rotation.to('float64')), /dtype torch.float/);
  assert.throws(() => flowToImage(torch.zeros([3, 4, 4])), /shape \(2, H, W\)/);
});

test('tstorch flow: RAFT-small on two frames equals torchvision; the flow picture, panels and tensor are written', async () => {
  const out = join(dir, 'flow.png'), panels = join(dir, 'panels.png'), saved = join(dir, 'flow.pt');
  const r = await cli(['flow', ...paths, '--model', 'raft_small', '--weights', ckpt, '--updates', '5', '--out', out, '--panels', panels, '--save-flow', saved, '--json']);
  assert.equal(r.code, 0, r.err);
  const stats = JSON.parse(r.out);
  assert.equal(stats.width, 168);
  const flow = torch.load(saved) as torch.Tensor;
  assert.deepEqual([...flow.shape], [2, 136, 168]);
  assertClose(flow, ref.tensors['flow']!, { atol: 0, rtol: 1e-4, what: 'flow' });
  const picture = imageToTensor(openImageSync(out));
  const diff = picture.to('int32').sub(ref.tensors['flow_image']!.to('int32')).abs();
  assert.ok(diff.max().item() <= 1, `flow picture differs by ${diff.max().item()}`);
  const pan = openImageSync(panels);
  assert.equal(pan.width, 3 * 168 + 4 * 4);
  if (process.env.TSTORCH_KEEP_PICTURES) writePng(imageToTensor(pan), process.env.TSTORCH_KEEP_PICTURES + '/flow-panels.png');
  // frames whose sides are not multiples of 8 are resized down to them
  const text = await cli(['flow', ...oddPaths, '--model', 'raft_small', '--weights', ckpt, '--updates', '2', '--out', out]);
  assert.match(text.err, /resized from 170x140 to 168x136/);
  assert.match(text.out, /raft_small .*168x136, 2 updates/);
  assert.equal(openImageSync(out).width, 168);
  assert.match(text.out, /flow magnitude: mean [\d.]+ px/);
});

test('tstorch flow: clear errors', async () => {
  let r = await cli(['flow', paths[0]!]);
  assert.match(r.err, /name two frames/);
  const small = join(dir, 'small.png');
  writePng(torch.zeros([3, 100, 100], { dtype: 'uint8' }), small);
  r = await cli(['flow', small, small, '--weights', 'none', '--model', 'raft_small']);
  assert.match(r.err, /at least 128x128/);
  r = await cli(['flow', paths[0]!, small, '--weights', 'none']);
  assert.match(r.err, /differ in size/);
  r = await cli(['flow', paths[0]!, join(dir, 'missing.png')]);
  assert.match(r.err, /cannot read image/);
  r = await cli(['flow', ...paths, '--model', 'raft_huge']);
  assert.match(r.err, /must be one of raft_large, raft_small/);
  r = await cli(['flow', ...paths, '--model', 'raft_large', '--weights', ckpt]);
  assert.match(r.err, /does not fit raft_large/);
  assert.ok(!existsSync(join(dir, 'flow.png')) || true);
});
