// One training step of the video models against torchvision 0.14: R3D-18 (torchvision's builder) and MViT v2-S
// (its blocks at 4 x 32 x 32, as torchvision's builder fixes 16 x 224 x 224). Both sides build the model from the
// same seed, run forward in train mode from the same generator state (dropout and stochastic depth draw the
// same masks), cross-entropy, backward. Compared: logits, loss, every gradient, every buffer after the step.
import { test } from 'node:test';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';
import { assertTrainStepMatches, assertGradientsAndBuffersMatch, PY_GRADIENTS_AND_BUFFERS } from './helpers/train-parity.js';
import { PY_SMALL_MVIT, smallMViT } from './helpers/video-models.js';

torch.manualSeed(5);
const clip = torch.randn([2, 3, 4, 32, 32]);
const y = torch.tensor([3, 1], { dtype: 'int64' });

test('R3D-18 training step matches torchvision', () => {
  assertTrainStepMatches({ name: 'video.r3d_18', kwargs: 'num_classes=5', seed: 61, stepSeed: 62 },
    () => models.video.r3d_18({ numClasses: 5 }), clip, y);
});

test('MViT v2-S training step (stochastic depth, head dropout, relative positions) matches torchvision', () => {
  const ref = runPython(PY_SMALL_MVIT + `
torch.manual_seed(63)
m = small_mvit(M.mvit_v2_s, num_classes=5)
m.train()
torch.manual_seed(64)
out = m(T['x'])
loss = torch.nn.functional.cross_entropy(out, T['y'])
loss.backward()
OUT['loss'] = loss.detach()
OUT['out'] = out.detach()
${PY_GRADIENTS_AND_BUFFERS}OUT_J = {'params': names, 'buffers': bnames}
`, { tensors: { x: clip, y }, json: { spatial: [32, 32], temporal: 4 } });
  torch.manualSeed(63);
  const m = smallMViT('v2_s', 5);
  m.train();
  torch.manualSeed(64);
  const out = m.call(clip) as torch.Tensor;
  const loss = torch.nn.functional.crossEntropy(out, y);
  loss.backward();
  assertClose(out.detach(), ref.tensors['out']!, { atol: 1e-6, rtol: 1e-4, what: 'mvit_v2_s: train-mode logits' });
  assertClose(loss.detach(), ref.tensors['loss']!, { atol: 1e-6, rtol: 1e-5, what: 'mvit_v2_s: loss' });
  assertGradientsAndBuffersMatch(m, ref, 'mvit_v2_s');
});
