// ElasticTransform and F.elastic_transform against torchvision 0.14: the same random displacement after the same
// seed, the same output for float and uint8 tensors and for images (through their tensor, as PIL images are),
// bilinear and nearest, a fill value, the printed form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as T from '../src/vision/transforms/index.js';
import { createImage } from '../src/vision/io/image.js';
import { runPython, assertClose } from './helpers/pytorch.js';

torch.manualSeed(12);
const x = torch.nn.functional.interpolate(torch.rand([1, 3, 6, 7]), { size: [40, 48], mode: 'bilinear', alignCorners: false }).select(0, 0);
const u8 = x.mul(255).round().to('uint8');
const ref = runPython(`
import torchvision.transforms as TR
import torchvision.transforms.functional as TF
from PIL import Image
x, u8 = T['x'], T['u8']
torch.manual_seed(1)
OUT['params'] = TR.ElasticTransform.get_params([50.0, 30.0], [5.0, 3.0], [40, 48])
torch.manual_seed(2)
OUT['float'] = TR.ElasticTransform(alpha=60.0, sigma=4.0)(x)
torch.manual_seed(3)
OUT['u8_nearest'] = TR.ElasticTransform(alpha=[40.0, 20.0], sigma=[3.0, 2.0], interpolation=TR.InterpolationMode.NEAREST, fill=200)(u8)
torch.manual_seed(4)
img = Image.fromarray(u8.permute(1, 2, 0).numpy())
OUT['pil'] = torch.from_numpy(np.array(TR.ElasticTransform(alpha=80.0, sigma=6.0, fill=30)(img)))
OUT['no_blur'] = TF.elastic_transform(x, torch.zeros(1, 40, 48, 2) + 0.05)
OUT_J = repr(TR.ElasticTransform(alpha=[40.0, 20.0], sigma=3.0))
`, { tensors: { x, u8 } });

test('ElasticTransform.getParams draws torchvision\'s displacement', () => {
  torch.manualSeed(1);
  assertClose(T.ElasticTransform.getParams([50, 30], [5, 3], [40, 48]), ref.tensors['params']!, { what: 'displacement' });
});

test('ElasticTransform equals torchvision on float and uint8 tensors and on images; fill and nearest', () => {
  torch.manualSeed(2);
  assertClose(new T.ElasticTransform({ alpha: 60, sigma: 4 }).call(x) as torch.Tensor, ref.tensors['float']!, { what: 'float tensor' });
  torch.manualSeed(3);
  const n = new T.ElasticTransform({ alpha: [40, 20], sigma: [3, 2], interpolation: 'nearest', fill: 200 }).call(u8) as torch.Tensor;
  assert.ok(n.eq(ref.tensors['u8_nearest']!).all().item(), 'uint8 nearest with fill');
  torch.manualSeed(4);
  const img = createImage(48, 40, 3, new Uint8Array(u8.permute(1, 2, 0).contiguous().toBytes()));
  const out = new T.ElasticTransform({ alpha: 80, sigma: 6, fill: 30 }).call(img) as { data: Uint8Array; width: number; height: number };
  const got = torch.fromBytes(out.data, [40, 48, 3], 'uint8');
  assert.ok(got.to('int32').sub(ref.tensors['pil']!.to('int32')).abs().max().item() === 0, 'image (PIL) path');
  assertClose(T.elasticTransform(x, torch.zeros([1, 40, 48, 2]).add(0.05)), ref.tensors['no_blur']!, { what: 'F.elastic_transform' });
  assert.equal(String(new T.ElasticTransform({ alpha: [40, 20], sigma: 3 })), ref.json);
  assert.throws(() => T.elasticTransform(x, torch.zeros([1, 40, 40, 2])), /displacement shape should be \(1, 40, 48, 2\)/);
  assert.throws(() => new T.ElasticTransform({ alpha: [1, 2, 3] }), /length should be 2/);
});
