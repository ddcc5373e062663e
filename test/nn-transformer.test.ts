// nn.MultiheadAttention, nn.TransformerEncoderLayer/Encoder, DecoderLayer/Decoder and nn.Transformer against
// PyTorch 1.13: seeded initialisation (bit-identical), forward and backward in train mode (dropout draws
// included), eval mode with and without autograd (PyTorch's fused "fast path" and its nested-tensor path for
// padded batches), masks of every kind, state-dict keys and printed reprs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { compareWithPyTorch, type Case } from './nn-harness.js';
import { runPython, assertClose } from './helpers/pytorch.js';
import { stateHashes } from './helpers/zoo.js';

const { nn } = torch;
type MHA = InstanceType<typeof nn.MultiheadAttention>;
torch.manualSeed(4321);
const r = (...s: number[]): torch.Tensor => torch.randn(s);
const seqFirst = r(5, 2, 8); // (L, N, E)
const batchFirst = r(2, 5, 8); // (N, L, E)
const memory = r(2, 7, 8);
const kv6 = r(2, 7, 6), v3 = r(2, 7, 3);
const boolMask = torch.tensor([[false, true, false, false, true, false, false]]).expand(5, 7).contiguous();
const floatMask = r(5, 7);
const kpm = torch.tensor([[false, false, false, false, false, true, true], [false, false, false, false, false, false, true]]);
const kpm5 = torch.tensor([[false, false, false, true, true], [false, false, false, false, true]]);

/** The output and the weights as one tensor (the harness compares one output). */
const both = (m: torch.nn.Module | undefined, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, o: Parameters<MHA['forward']>[3] = {}): torch.Tensor => {
  const [y, w] = (m as MHA).call(q, k, v, o) as [torch.Tensor, torch.Tensor | null];
  return w === null ? y.flatten() : torch.cat([y.flatten(), w.flatten()]);
};
const PY_BOTH = (args: string): string => `(lambda r: r[0].flatten() if r[1] is None else torch.cat([r[0].flatten(), r[1].flatten()]))(m(${args}))`;

test('MultiheadAttention: forward and backward equal PyTorch for every option and mask', () => {
  const cases: Case[] = [
    { name: 'self-attention, sequence first', build: () => new nn.MultiheadAttention(8, 2), pyBuild: 'nn.MultiheadAttention(8, 2)',
      inputs: [seqFirst], fn: (m, [x]) => both(m, x!, x!, x!), py: PY_BOTH('x0, x0, x0'), repr: true },
    { name: 'batch first, cross-attention, per-head weights', build: () => new nn.MultiheadAttention(8, 4, { batchFirst: true }),
      pyBuild: 'nn.MultiheadAttention(8, 4, batch_first=True)', inputs: [batchFirst, memory],
      fn: (m, [q, k]) => both(m, q!, k!, k!, { averageAttnWeights: false }), py: PY_BOTH('x0, x1, x1, average_attn_weights=False') },
    { name: 'bool attention mask and key padding mask', build: () => new nn.MultiheadAttention(8, 2, { batchFirst: true }),
      pyBuild: 'nn.MultiheadAttention(8, 2, batch_first=True)', inputs: [batchFirst, memory, boolMask, kpm],
      fn: (m, [q, k, am, kp]) => both(m, q!, k!, k!, { attnMask: am!, keyPaddingMask: kp! }), py: PY_BOTH('x0, x1, x1, attn_mask=x2, key_padding_mask=x3') },
    { name: 'float attention mask, no weights', build: () => new nn.MultiheadAttention(8, 2, { batchFirst: true }),
      pyBuild: 'nn.MultiheadAttention(8, 2, batch_first=True)', inputs: [batchFirst, memory, floatMask], grad: [true, true, false],
      fn: (m, [q, k, am]) => both(m, q!, k!, k!, { attnMask: am!, needWeights: false }), py: PY_BOTH('x0, x1, x1, attn_mask=x2, need_weights=False') },
    { name: 'kdim/vdim: separate projection weights', build: () => new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 3, batchFirst: true }),
      pyBuild: 'nn.MultiheadAttention(8, 2, kdim=6, vdim=3, batch_first=True)', inputs: [batchFirst, kv6, v3],
      fn: (m, [q, k, v]) => both(m, q!, k!, v!), py: PY_BOTH('x0, x1, x2'), repr: true },
    { name: 'bias_k/bias_v, zero attention, key padding, no bias', build: () => new nn.MultiheadAttention(8, 2, { addBiasKv: true, addZeroAttn: true, bias: false }),
      pyBuild: 'nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True, bias=False)', inputs: [seqFirst, kpm5],
      fn: (m, [x, kp]) => both(m, x!, x!, x!, { keyPaddingMask: kp! }), py: PY_BOTH('x0, x0, x0, key_padding_mask=x1') },
    { name: 'unbatched (L, E) input with 3-d mask', build: () => new nn.MultiheadAttention(8, 2), pyBuild: 'nn.MultiheadAttention(8, 2)',
      inputs: [r(5, 8), r(2, 5, 5)], grad: [true, false], fn: (m, [x, am]) => both(m, x!, x!, x!, { attnMask: am! }), py: PY_BOTH('x0, x0, x0, attn_mask=x1') },
    { name: 'attention dropout in training (same draws)', build: () => new nn.MultiheadAttention(8, 2, { dropout: 0.3, batchFirst: true }),
      pyBuild: 'nn.MultiheadAttention(8, 2, dropout=0.3, batch_first=True)', inputs: [batchFirst], seed: 11,
      fn: (m, [x]) => both(m, x!, x!, x!), py: PY_BOTH('x0, x0, x0') },
    { name: 'eval mode with autograd (slow path)', build: () => new nn.MultiheadAttention(8, 2, { batchFirst: true }),
      pyBuild: 'nn.MultiheadAttention(8, 2, batch_first=True)', inputs: [batchFirst], train: false,
      fn: (m, [x]) => both(m, x!, x!, x!), py: PY_BOTH('x0, x0, x0') },
  ];
  compareWithPyTorch(cases);
});

test('MultiheadAttention: seeded init, state-dict keys, the fused eval path and errors', () => {
  const specs: [string, () => torch.nn.Module][] = [
    ['nn.MultiheadAttention(8, 2)', () => new nn.MultiheadAttention(8, 2)],
    ['nn.MultiheadAttention(8, 4, kdim=6, vdim=3)', () => new nn.MultiheadAttention(8, 4, { kdim: 6, vdim: 3 })],
    ['nn.MultiheadAttention(8, 2, add_bias_kv=True)', () => new nn.MultiheadAttention(8, 2, { addBiasKv: true })],
    ['nn.MultiheadAttention(8, 2, bias=False)', () => new nn.MultiheadAttention(8, 2, { bias: false })],
  ];
  torch.manualSeed(3);
  const m = new nn.MultiheadAttention(8, 2, { batchFirst: true }).eval();
  const ref = runPython(String.raw`
import hashlib
res = []
for b in J:
    torch.manual_seed(0)
    m = eval(b, {'nn': torch.nn})
    sd = m.state_dict()
    res.append({'keys': list(sd.keys()), 'hashes': [hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest() for v in sd.values()]})
torch.manual_seed(3)
m = torch.nn.MultiheadAttention(8, 2, batch_first=True).eval()
x = T['x']
with torch.no_grad():
    y, w = m(x, x, x)
    OUT['fast_y'], OUT['fast_w'] = y, w
    y, w = m(x, x, x, key_padding_mask=T['kpm5'], need_weights=False)
    OUT['fast_kpm'] = y
OUT_J = res
`, { tensors: { x: batchFirst, kpm5 }, json: specs.map(([py]) => py) });
  specs.forEach(([py, build], i) => {
    torch.manualSeed(0);
    const mm = build();
    assert.deepEqual(Object.keys(mm.stateDict()), ref.json[i].keys, `${py}: keys`);
    assert.deepEqual(stateHashes(mm), ref.json[i].hashes, `${py}: seeded values`);
  });
  // no autograd + eval + batch first + self-attention: the fused kernel, as in PyTorch
  torch.noGrad(() => {
    assert.equal(m.whyNotFastPath(batchFirst, batchFirst, batchFirst, null), '');
    const [y, w] = m.call(batchFirst, batchFirst, batchFirst) as [torch.Tensor, torch.Tensor];
    assertClose(y, ref.tensors.fast_y!, { what: 'fast path output' });
    assertClose(w, ref.tensors.fast_w!, { what: 'fast path weights' });
    const [yk, wk] = m.call(batchFirst, batchFirst, batchFirst, { keyPaddingMask: kpm5, needWeights: false }) as [torch.Tensor, null];
    assert.equal(wk, null);
    assertClose(yk, ref.tensors.fast_kpm!, { what: 'fast path with key padding mask' });
  });
  assert.match(m.whyNotFastPath(batchFirst, memory, memory, null), /non-self attention/);
  assert.throws(() => new nn.MultiheadAttention(10, 3), /embed_dim must be divisible by num_heads/);
  assert.throws(() => m.call(batchFirst, batchFirst, batchFirst, { keyPaddingMask: torch.zeros([2, 5], { dtype: 'int64' }) }), /only bool and floating types/);
  assert.throws(() => m.call(batchFirst, memory, memory, { attnMask: torch.zeros([4, 4], { dtype: 'bool' }) }), /2D attnMask is \[4, 4\], but should be \[5, 7\]/);
  assert.throws(() => m.call(r(5, 8), batchFirst, batchFirst), /expected key and value to be 2-D/);
});

test('TransformerEncoderLayer, TransformerDecoderLayer and Transformer: train-mode forward and backward equal PyTorch', () => {
  const tgt = r(2, 4, 8);
  const causal = nn.Transformer.generateSquareSubsequentMask(4);
  const cases: Case[] = [
    { name: 'encoder layer (post-norm, relu, dropout)', build: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }),
      pyBuild: 'nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)', inputs: [batchFirst], seed: 5, repr: true },
    { name: 'encoder layer (pre-norm, gelu, padding mask, sequence first)', build: () => new nn.TransformerEncoderLayer(8, 4, { dimFeedforward: 12, normFirst: true, activation: 'gelu', dropout: 0.2 }),
      pyBuild: "nn.TransformerEncoderLayer(8, 4, dim_feedforward=12, norm_first=True, activation='gelu', dropout=0.2)", inputs: [seqFirst, kpm5],
      fn: (m, [x, kp]) => m!.call(x!, { srcKeyPaddingMask: kp! }), py: 'm(x0, src_key_padding_mask=x1)', seed: 6 },
    { name: 'encoder layer with an activation module and a causal mask', build: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: new nn.GELU({ approximate: 'tanh' }), batchFirst: true }),
      pyBuild: "nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, activation=nn.GELU(approximate='tanh'), batch_first=True)",
      inputs: [batchFirst, nn.Transformer.generateSquareSubsequentMask(5)], grad: [true, false], fn: (m, [x, am]) => m!.call(x!, { srcMask: am! }), py: 'm(x0, src_mask=x1)', seed: 7, repr: true },
    { name: 'encoder of 3 layers with a final norm', build: () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), 3, { norm: new nn.LayerNorm(8) }),
      pyBuild: 'nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True), 3, norm=nn.LayerNorm(8))',
      inputs: [batchFirst, kpm5], fn: (m, [x, kp]) => m!.call(x!, { srcKeyPaddingMask: kp! }), py: 'm(x0, src_key_padding_mask=x1)', seed: 8, repr: true },
    { name: 'decoder layer', build: () => new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }),
      pyBuild: 'nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True)', inputs: [tgt, memory, causal, kpm], grad: [true, true, false, false],
      fn: (m, [t, mem, tm, mk]) => m!.call(t!, mem!, { tgtMask: tm!, memoryKeyPaddingMask: mk! }), py: 'm(x0, x1, tgt_mask=x2, memory_key_padding_mask=x3)', seed: 9, repr: true },
    { name: 'decoder (pre-norm) of 2 layers', build: () => new nn.TransformerDecoder(new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true, normFirst: true }), 2),
      pyBuild: 'nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True, norm_first=True), 2)',
      inputs: [tgt, memory], seed: 10 },
    { name: 'Transformer', build: () => new nn.Transformer(8, 2, { numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 16, batchFirst: true }),
      pyBuild: 'nn.Transformer(8, 2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16, batch_first=True)',
      inputs: [memory, tgt, causal], grad: [true, true, false], fn: (m, [s, t, tm]) => m!.call(s!, t!, { tgtMask: tm! }), py: 'm(x0, x1, tgt_mask=x2)', seed: 12, repr: true },
  ];
  compareWithPyTorch(cases);
});

test('Transformer modules: seeded init, eval (fused kernel, nested-tensor padding) equal PyTorch', () => {
  torch.manualSeed(21);
  const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), 2).eval();
  torch.manualSeed(22);
  const tr = new nn.Transformer(8, 2, { numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 16 });
  const ref = runPython(String.raw`
import hashlib
nn = torch.nn
torch.manual_seed(21)
enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True), 2).eval()
torch.manual_seed(22)
tr = nn.Transformer(8, 2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16)
x, kpm = T['x'], T['kpm5']
with torch.no_grad():
    OUT['fast'] = enc(x)
    OUT['nested'] = enc(x, src_key_padding_mask=kpm)
OUT['grad_eval'] = enc(x, src_key_padding_mask=kpm).detach()
OUT_J = {'enc': [hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest() for v in enc.state_dict().values()],
         'tr': [hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest() for v in tr.state_dict().values()],
         'trkeys': list(tr.state_dict().keys())}
`, { tensors: { x: batchFirst, kpm5 } });
  assert.deepEqual(stateHashes(enc), ref.json.enc, 'encoder: deep-copied layers, same values as PyTorch');
  assert.deepEqual(Object.keys(tr.stateDict()), ref.json.trkeys);
  assert.deepEqual(stateHashes(tr), ref.json.tr, 'Transformer: Xavier re-initialisation in parameter order');
  const layer = enc.layers.at(0) as InstanceType<typeof nn.TransformerEncoderLayer>;
  torch.noGrad(() => {
    assert.equal(layer.whyNotFastPath(batchFirst, null), '');
    assertClose(enc.call(batchFirst) as torch.Tensor, ref.tensors.fast!, { what: 'fused encoder layers' });
    const nested = enc.call(batchFirst, { srcKeyPaddingMask: kpm5 }) as torch.Tensor;
    assertClose(nested, ref.tensors.nested!, { what: 'padded batch (nested-tensor path): zeros at padded positions' });
    assert.deepEqual([...nested.shape], [2, 4, 8], 'cut to the longest unpadded sequence, as to_padded_tensor does');
    assert.equal(nested.index(0, 3).abs().sum().item(), 0);
  });
  assert.match(layer.whyNotFastPath(batchFirst, null), /requires_grad/);
  const withGrad = (enc.call(batchFirst, { srcKeyPaddingMask: kpm5 }) as torch.Tensor).detach();
  assert.deepEqual([...withGrad.shape], [2, 5, 8], 'no nested path with autograd');
  assertClose(withGrad, ref.tensors.grad_eval!, { what: 'eval with autograd' });
  // the clones are independent copies
  const l0 = enc.layers.at(0) as InstanceType<typeof nn.TransformerEncoderLayer>;
  const l1 = enc.layers.at(1) as InstanceType<typeof nn.TransformerEncoderLayer>;
  assert.notEqual(l0.linear1.weight, l1.linear1.weight);
  torch.noGrad(() => l0.linear1.weight.add_(1));
  assert.ok(!l0.linear1.weight.equal(l1.linear1.weight));
  assert.throws(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' }), /activation should be relu\/gelu, not tanh/);
  assert.throws(() => tr.call(r(3, 2, 8), r(4, 3, 8)), /batch number of src and tgt must be equal/);
});
