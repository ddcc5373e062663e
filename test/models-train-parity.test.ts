// One training step of AlexNet, VGG11_bn, ResNet18, DenseNet121, GoogLeNet and Inception v3 against torchvision
// 0.14 (MobileNet v3 small and EfficientNet-B0 are in their own files): both sides build the model from the same
// seed (bit-identical weights), run forward in train mode from the same generator state (dropout masks are the
// same draws in the same order), cross-entropy on every head as torchvision's reference training weighs them,
// backward. Compared: every train-mode output, the loss, every parameter's gradient, every buffer after the step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import type { Module } from '../src/nn/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';
import { assertGradientsAndBuffersMatch, PY_GRADIENTS_AND_BUFFERS } from './helpers/train-parity.js';

interface Head {
  /** Field of torchvision's output namedtuple ('out' for a plain tensor). */
  py: string;
  /** The same output in tstorch's result object. */
  ts: string;
  /** Weight of this head's cross-entropy in the loss. */
  w: number;
}

interface StepCase {
  name: string;
  kwargs: string;
  build: () => Module;
  heads: Head[];
  x: torch.Tensor;
  double?: boolean;
}

const CODE = String.raw`
s = J
torch.manual_seed(s['seed'])
m = getattr(torchvision.models, s['name'])(**eval('dict(' + s['kwargs'] + ')'))
x = T['x']
if s['double']:
    m, x = m.double(), x.double()
m.train()
torch.manual_seed(s['stepSeed'])
out = m(x)
fields = out._asdict() if hasattr(out, '_asdict') else {'out': out}
loss = 0
for h in s['heads']:
    loss = loss + h['w'] * torch.nn.functional.cross_entropy(fields[h['py']], T['y'])
loss.backward()
OUT['loss'] = loss.detach()
for h in s['heads']:
    OUT['out_' + h['py']] = fields[h['py']].detach()
${PY_GRADIENTS_AND_BUFFERS}OUT_J = {'params': names, 'buffers': bnames, 'fields': [k for k, v in fields.items() if v is not None]}
`;

const SEED = 7;
const STEP_SEED = 8;
torch.manualSeed(3);
const x64 = torch.randn([2, 3, 64, 64]);
// 299x299 is the smallest input for which Inception v3's auxiliary head exists (5x5 pooling, stride 3, then a
// 5x5 convolution on the 17x17 grid); at 75x75 it fails in PyTorch too.
const x299 = torch.randn([2, 3, 299, 299]);
const y = torch.tensor([3, 8], { dtype: 'int64' });

function checkStep(c: StepCase): void {
  const t0 = Date.now();
  const ref = runPython(CODE, {
    tensors: { x: c.x, y },
    json: { name: c.name, kwargs: c.kwargs, seed: SEED, stepSeed: STEP_SEED, double: c.double ?? false, heads: c.heads },
  }, { timeoutMs: 300_000 });
  const t1 = Date.now();
  torch.manualSeed(SEED);
  const m = c.build();
  const x = c.double ? c.x.double() : c.x;
  if (c.double) m.double();
  m.train();
  torch.manualSeed(STEP_SEED);
  const out = m.call(x) as torch.Tensor | Record<string, torch.Tensor | null>;
  const fields: Record<string, torch.Tensor | null> = out instanceof torch.Tensor ? { out } : out;
  assert.deepEqual(Object.keys(fields).filter((k) => fields[k] !== null).sort(), c.heads.map((h) => h.ts).sort(), `${c.name}: train-mode outputs`);
  assert.deepEqual(ref.json.fields, c.heads.map((h) => h.py), `${c.name}: torchvision's train-mode outputs`);
  let loss: torch.Tensor | null = null;
  for (const h of c.heads) {
    const o = fields[h.ts]!;
    assertClose(o.detach(), ref.tensors[`out_${h.py}`]!, { atol: 1e-6, rtol: 1e-4, what: `${c.name}: train-mode ${h.ts} (torchvision ${h.py})` });
    const l = torch.nn.functional.crossEntropy(o, y).mul(h.w);
    loss = loss === null ? l : loss.add(l);
  }
  loss!.backward();
  assertClose(loss!.detach(), ref.tensors['loss']!, { atol: 0, rtol: 1e-5, what: `${c.name}: loss` });

  assertGradientsAndBuffersMatch(m, ref, c.name);
  if (process.env.TSTORCH_TEST_TIMINGS) console.log(`${c.name}: PyTorch ${t1 - t0} ms, tstorch ${Date.now() - t1} ms`);
}

const plain: Head[] = [{ py: 'out', ts: 'out', w: 1 }];

test('AlexNet training step (dropout active) matches torchvision', () => {
  checkStep({ name: 'alexnet', kwargs: 'num_classes=10', build: () => models.alexnet({ numClasses: 10 }), heads: plain, x: x64 });
});

test('VGG11_bn training step (BatchNorm, dropout) matches torchvision', () => {
  checkStep({ name: 'vgg11_bn', kwargs: 'num_classes=10', build: () => models.vgg11_bn({ numClasses: 10 }), heads: plain, x: x64 });
});

test('ResNet18 training step matches torchvision', () => {
  checkStep({ name: 'resnet18', kwargs: 'num_classes=10', build: () => models.resnet18({ numClasses: 10 }), heads: plain, x: x64 });
});

test('DenseNet121 training step matches torchvision (float64)', () => {
  // float64 on both sides: 121 BatchNorms, the last ones over 8 values per channel (2x2 maps at 64x64),
  // amplify the rounding differences between thread counts (tstorch uses every core, the oracle one thread) to a
  // few percent of the block-4 gradients in float32; with one thread on both sides float32 agrees too.
  checkStep({ name: 'densenet121', kwargs: 'num_classes=10', build: () => models.densenet121({ numClasses: 10 }), heads: plain, x: x64, double: true });
});

test('GoogLeNet training step with both auxiliary heads matches torchvision', () => {
  // torchvision 0.14 packs GoogLeNetOutputs(logits, aux_logits2=<aux1 head>, aux_logits1=<aux2 head>); tstorch
  // keeps the swap under the same names, so each field is compared with its namesake.
  checkStep({
    name: 'googlenet', kwargs: 'num_classes=10, init_weights=True',
    build: () => models.googlenet({ numClasses: 10, initWeights: true }),
    heads: [{ py: 'logits', ts: 'logits', w: 1 }, { py: 'aux_logits2', ts: 'aux2', w: 0.3 }, { py: 'aux_logits1', ts: 'aux1', w: 0.3 }],
    x: x64,
  });
});

test('Inception v3 training step with the auxiliary head matches torchvision (float64)', () => {
  // float64 on both sides: the auxiliary head's BatchNorms normalise 2 values per channel (1x1 maps, batch 2),
  // which turns float32 rounding differences (thread counts) into gradient differences of ~1% of the largest one.
  checkStep({
    name: 'inception_v3', kwargs: 'num_classes=10, init_weights=True',
    build: () => models.inception_v3({ numClasses: 10, initWeights: true }),
    heads: [{ py: 'logits', ts: 'logits', w: 1 }, { py: 'aux_logits', ts: 'auxLogits', w: 0.4 }],
    x: x299, double: true,
  });
});
