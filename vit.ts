import * as torch from './src/index.js';
import * as models from './src/vision/models/index.js';
torch.setNumThreads(1);
torch.manualSeed(0);
const m = models.vit_b_16();
const x = torch.randn([1, 3, 224, 224]);
m.eval();
for (let i = 0; i < 3; i++) {
  const t = Date.now();
  torch.noGrad(() => torch.tidy(() => m.call(x)));
  console.log('fwd', Date.now() - t);
}
const blk = m.encoder.layers.at(0) as models.EncoderBlock;
const h = torch.randn([1, 197, 768]);
for (let i = 0; i < 3; i++) {
  let t = performance.now();
  torch.noGrad(() => torch.tidy(() => blk.call(h)));
  const a = performance.now() - t; t = performance.now();
  torch.noGrad(() => torch.tidy(() => blk.self_attention.call(h, h, h, { needWeights: false })));
  const b = performance.now() - t; t = performance.now();
  torch.noGrad(() => torch.tidy(() => blk.mlp.call(h)));
  const c = performance.now() - t; t = performance.now();
  torch.noGrad(() => torch.tidy(() => blk.ln_1.call(h)));
  console.log('block', a.toFixed(1), 'attn', b.toFixed(1), 'mlp', c.toFixed(1), 'ln', (performance.now() - t).toFixed(1));
}
