// RandomApply, RandomOrder, RandomChoice (with Python's random module as pyRandom), LinearTransformation and
// ToPILImage against torchvision 0.14: the same picks after the same seeds, the same outputs, the same text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as T from '../src/vision/transforms/index.js';
import { PyRandom } from '../src/vision/transforms/py-random.js';
import { runPython, assertClose } from './helpers/pytorch.js';

torch.manualSeed(9);
const x = torch.rand([3, 4, 5]);
const matrix = torch.randn([12, 12]);
const mean = torch.randn([12]);
const small = torch.rand([3, 2, 2]);
const batch = torch.rand([2, 3, 2, 2]);
const ref = runPython(`
import random
import torchvision.transforms as TR
import torchvision.transforms.functional as TF
x = T['x']
add1 = lambda t: t + 1
double = lambda t: t * 2
square = lambda t: t * t
torch.manual_seed(0)
ra = TR.RandomApply([add1, TR.RandomHorizontalFlip(), double], p=0.4)
OUT['apply'] = torch.stack([ra(x) for _ in range(16)])
random.seed(5)
ro = TR.RandomOrder([add1, double, square])
OUT['order'] = torch.stack([ro(x) for _ in range(12)])
random.seed(7)
rc = TR.RandomChoice([add1, double, square])
OUT['choice'] = torch.stack([rc(x) for _ in range(12)])
random.seed(7)
rcp = TR.RandomChoice([add1, double, square], p=[0.1, 0.2, 0.7])
OUT['choice_p'] = torch.stack([rcp(x) for _ in range(12)])
random.seed(2**40 + 3)
OUT_J = {'py': [random.random() for _ in range(3)] + [random.getrandbits(20), random.randrange(10**9)],
         'repr': [repr(TR.RandomApply([TR.CenterCrop(10), TR.CenterCrop((3, 4))], p=0.3)),
                  repr(TR.RandomOrder([TR.CenterCrop(10), TR.Grayscale()])),
                  repr(TR.RandomChoice([TR.CenterCrop(10)])), repr(TR.RandomChoice([TR.CenterCrop(10), TR.CenterCrop(5)], p=[0.25, 0.75]))]}
lt = TR.LinearTransformation(T['matrix'], T['mean'])
OUT['lt'] = lt(T['small'])
OUT['lt_batch'] = lt(T['batch'])
OUT_J['lt_repr'] = repr(TR.LinearTransformation(torch.tensor([[1.0, 0.5], [1e-5, 2.0]]), torch.tensor([0.25, -3.0])))
OUT['pil_rgb'] = torch.from_numpy(np.array(TF.to_pil_image(x)))
OUT['pil_l'] = torch.from_numpy(np.array(TF.to_pil_image(x[0])))
OUT['pil_rgba'] = torch.from_numpy(np.array(TF.to_pil_image(torch.cat([x, x[:1]]))))
OUT['pil_u8'] = torch.from_numpy(np.array(TF.to_pil_image((x * 255).to(torch.uint8))))
`, { tensors: { x, matrix, mean, small, batch } });

const add1 = (t: torch.Tensor): torch.Tensor => t.add(1);
const double = (t: torch.Tensor): torch.Tensor => t.mul(2);
const square = (t: torch.Tensor): torch.Tensor => t.mul(t);

test('RandomApply draws from torch\'s generator as torchvision does (p compared in float32), inner transforms too', () => {
  torch.manualSeed(0);
  const ra = new T.RandomApply([add1, new T.RandomHorizontalFlip(), double], 0.4);
  const out = torch.stack(Array.from({ length: 16 }, () => ra.call(x) as torch.Tensor));
  assertClose(out, ref.tensors['apply']!, { atol: 0, rtol: 0, what: 'RandomApply outputs' });
});

test('RandomOrder and RandomChoice pick as torchvision after the same random.seed (pyRandom)', () => {
  T.pyRandom.seed(5);
  const ro = new T.RandomOrder([add1, double, square]);
  assertClose(torch.stack(Array.from({ length: 12 }, () => ro.call(x) as torch.Tensor)), ref.tensors['order']!, { atol: 0, rtol: 0, what: 'RandomOrder' });
  T.pyRandom.seed(7);
  const rc = new T.RandomChoice([add1, double, square]);
  assertClose(torch.stack(Array.from({ length: 12 }, () => rc.call(x) as torch.Tensor)), ref.tensors['choice']!, { atol: 0, rtol: 0, what: 'RandomChoice' });
  T.pyRandom.seed(7);
  const rcp = new T.RandomChoice([add1, double, square], [0.1, 0.2, 0.7]);
  assertClose(torch.stack(Array.from({ length: 12 }, () => rcp.call(x) as torch.Tensor)), ref.tensors['choice_p']!, { atol: 0, rtol: 0, what: 'RandomChoice with p' });
  const r = new PyRandom(2n ** 40n + 3n);
  assert.deepEqual([r.random(), r.random(), r.random(), r.getrandbits(20), r.randbelow(10 ** 9)], ref.json.py);
  assert.deepEqual([
    String(new T.RandomApply([new T.CenterCrop(10), new T.CenterCrop([3, 4])], 0.3)),
    String(new T.RandomOrder([new T.CenterCrop(10), new T.Grayscale()])),
    String(new T.RandomChoice([new T.CenterCrop(10)])),
    String(new T.RandomChoice([new T.CenterCrop(10), new T.CenterCrop(5)], [0.25, 0.75])),
  ], ref.json.repr);
  assert.throws(() => new T.RandomChoice([add1], [0.5, 0.5]), /number of weights/);
  assert.throws(() => new T.RandomOrder('nope' as never), /should be a sequence/);
});

test('LinearTransformation equals torchvision (single and batched images), with its text and errors', () => {
  const lt = new T.LinearTransformation(matrix, mean);
  assertClose(lt.call(small), ref.tensors['lt']!, { what: 'LinearTransformation' });
  assertClose(lt.call(batch), ref.tensors['lt_batch']!, { what: 'LinearTransformation batched' });
  assert.equal(String(new T.LinearTransformation(torch.tensor([[1.0, 0.5], [1e-5, 2.0]]), torch.tensor([0.25, -3.0]))), ref.json.lt_repr);
  assert.throws(() => new T.LinearTransformation(torch.randn([3, 4]), torch.randn([3])), /should be square/);
  assert.throws(() => new T.LinearTransformation(matrix, torch.randn([5])), /same length/);
  assert.throws(() => lt.call(torch.rand([3, 3, 3])), /incompatible shape/);
});

test('ToPILImage gives the image to_pil_image gives (float scaled and truncated, 1/3/4 channels, uint8)', () => {
  const hwc = (img: { data: Uint8Array; height: number; width: number; channels: number }): torch.Tensor =>
    torch.fromBytes(img.data, img.channels === 1 ? [img.height, img.width] : [img.height, img.width, img.channels], 'uint8');
  const t = new T.ToPILImage();
  assert.ok(hwc(t.call(x)).eq(ref.tensors['pil_rgb']!).all().item());
  assert.ok(hwc(t.call(x.select(0, 0))).eq(ref.tensors['pil_l']!).all().item());
  assert.ok(hwc(t.call(torch.cat([x, x.slice(0, 0, 1)]))).eq(ref.tensors['pil_rgba']!).all().item());
  assert.ok(hwc(t.call(x.mul(255).to('uint8'))).eq(ref.tensors['pil_u8']!).all().item());
  assert.equal(new T.ToPILImage('RGB').call(x).channels, 3);
  assert.throws(() => new T.ToPILImage('L').call(x), /Incorrect mode \(L\) supplied for input type with 3 channels/);
  assert.throws(() => new T.ToPILImage('HSV' as never), /mode must be/);
  assert.throws(() => t.call(torch.rand([5, 2, 2])), /> 4 channels/);
  assert.equal(String(new T.ToPILImage('RGBA')), 'ToPILImage(mode=RGBA)');
});
