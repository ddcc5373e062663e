// AugMix against torchvision 0.14 (the same Dirichlet and integer draws, the same chains on the uint8 tensor, on
// tensors and images), and the tensor colour operations it needs (adjust_sharpness, posterize, solarize,
// autocontrast, equalize, invert on [..., C, H, W] tensors) against torchvision's functional_tensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as T from '../src/vision/transforms/index.js';
import { createImage } from '../src/vision/io/image.js';
import { runPython, assertClose } from './helpers/pytorch.js';

torch.manualSeed(31);
const smooth = torch.nn.functional.interpolate(torch.rand([2, 3, 5, 6]), { size: [30, 36], mode: 'bilinear', alignCorners: false });
const u8 = smooth.mul(200).add(20).round().to('uint8');
const fl = smooth;
const ref = runPython(`
import torchvision.transforms as TR
import torchvision.transforms.functional as TF
from PIL import Image
u8, fl = T['u8'], T['fl']
for name, t in (('u8', u8), ('fl', fl)):
    OUT[name + ':sharp'] = TF.adjust_sharpness(t, 1.7)
    OUT[name + ':solarize'] = TF.solarize(t, 100.0 if name == 'u8' else 0.4)
    OUT[name + ':autocontrast'] = TF.autocontrast(t)
    OUT[name + ':invert'] = TF.invert(t)
OUT['posterize'] = TF.posterize(u8, 3)
OUT['equalize'] = TF.equalize(u8)
OUT['equalize1'] = TF.equalize(u8[0])
cases = [dict(), dict(severity=7, mixture_width=2, chain_depth=2), dict(all_ops=False, alpha=0.5, interpolation=TR.InterpolationMode.NEAREST, fill=[10, 20, 30])]
for i, kw in enumerate(cases):
    torch.manual_seed(100 + i)
    OUT[f'augmix{i}'] = TR.AugMix(**kw)(u8[0])
    torch.manual_seed(200 + i)
    OUT[f'augmix_batch{i}'] = TR.AugMix(**kw)(u8)
torch.manual_seed(300)
img = Image.fromarray(u8[0].permute(1, 2, 0).numpy())
OUT['augmix_pil'] = torch.from_numpy(np.array(TR.AugMix(severity=5)(img)))
OUT_J = [repr(TR.AugMix(**kw)) for kw in cases]
`, { tensors: { u8, fl } });

test('tensor colour operations equal torchvision\'s functional_tensor (uint8 and float, batched)', () => {
  for (const [name, t] of [['u8', u8], ['fl', fl]] as const) {
    assertClose(T.adjustSharpness(t, 1.7), ref.tensors[`${name}:sharp`]!, { what: `${name} sharpness` });
    assertClose(T.solarize(t, name === 'u8' ? 100 : 0.4), ref.tensors[`${name}:solarize`]!, { what: `${name} solarize` });
    assertClose(T.autocontrast(t), ref.tensors[`${name}:autocontrast`]!, { what: `${name} autocontrast` });
    assertClose(T.invert(t), ref.tensors[`${name}:invert`]!, { what: `${name} invert` });
  }
  assert.ok(T.posterize(u8, 3).eq(ref.tensors['posterize']!).all().item(), 'posterize');
  assert.ok(T.equalize(u8).eq(ref.tensors['equalize']!).all().item(), 'equalize batched');
  assert.ok(T.equalize(u8.select(0, 0)).eq(ref.tensors['equalize1']!).all().item(), 'equalize');
  assert.throws(() => T.posterize(fl, 3), /Only torch.uint8/);
  assert.throws(() => T.solarize(u8, 300), /Threshold should be less than bound/);
});

test('AugMix equals torchvision on tensors, batches and images (Dirichlet weights, chains, fill, nearest)', () => {
  const cases: T.AugMixOptions[] = [{}, { severity: 7, mixtureWidth: 2, chainDepth: 2 }, { allOps: false, alpha: 0.5, interpolation: 'nearest', fill: [10, 20, 30] }];
  cases.forEach((o, i) => {
    torch.manualSeed(100 + i);
    const a = new T.AugMix(o).call(u8.select(0, 0)) as torch.Tensor;
    assert.ok(a.eq(ref.tensors[`augmix${i}`]!).all().item(), `AugMix case ${i}: max |diff| ${a.to('int32').sub(ref.tensors[`augmix${i}`]!.to('int32')).abs().max().item()}`);
    torch.manualSeed(200 + i);
    const b = new T.AugMix(o).call(u8) as torch.Tensor;
    assert.ok(b.eq(ref.tensors[`augmix_batch${i}`]!).all().item(), `AugMix batch case ${i}`);
    assert.equal(String(new T.AugMix(o)), ref.json[i]);
  });
  torch.manualSeed(300);
  const img = createImage(36, 30, 3, new Uint8Array(u8.select(0, 0).permute(1, 2, 0).contiguous().toBytes()));
  const out = new T.AugMix({ severity: 5 }).call(img) as { data: Uint8Array };
  assert.ok(torch.fromBytes(out.data, [30, 36, 3], 'uint8').eq(ref.tensors['augmix_pil']!).all().item(), 'AugMix on an image');
  assert.throws(() => new T.AugMix({ severity: 11 }), /severity must be between \[1, 10\]/);
  assert.throws(() => new T.AugMix().call(fl.select(0, 0)), /uint8/);
});
