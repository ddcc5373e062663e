// nn.InstanceNorm1d/2d/3d, F.instanceNorm, F.gridSample, F.unfold and F.fold against PyTorch 1.13: outputs,
// gradients, running statistics, printed form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import { runPython, assertClose } from './helpers/pytorch.js';

const F = torch.nn.functional;
torch.manualSeed(3);
const x = torch.randn([2, 4, 5, 6]);
const grid = torch.rand([2, 3, 7, 2]).mul(2.4).sub(1.2);
const ref = runPython(`
import torch.nn.functional as F
x, grid = T['x'], T['grid']
m = torch.nn.InstanceNorm2d(4, affine=True, track_running_stats=True, momentum=0.3)
with torch.no_grad():
    m.weight.copy_(torch.linspace(0.5, 2, 4)); m.bias.copy_(torch.linspace(-1, 1, 4))
xr = x.clone().requires_grad_()
y = m(xr)
(y * torch.arange(y.numel()).reshape(y.shape).float().sin()).sum().backward()
OUT['in_train'], OUT['in_grad'], OUT['in_wgrad'] = y.detach(), xr.grad, m.weight.grad
OUT['in_rm'], OUT['in_rv'] = m.running_mean, m.running_var
m.eval()
OUT['in_eval'] = m(x)
OUT['in_plain'] = torch.nn.InstanceNorm2d(4)(x)
OUT['in_unbatched'] = torch.nn.InstanceNorm1d(5)(x[0, 0])
res = {'repr': [repr(m), repr(torch.nn.InstanceNorm3d(3))]}
for mode in ['bilinear', 'nearest', 'bicubic']:
    for pad in ['zeros', 'border', 'reflection']:
        for ac in [False, True]:
            xr = x.clone().requires_grad_(); gr = grid.clone().requires_grad_()
            y = F.grid_sample(xr, gr, mode=mode, padding_mode=pad, align_corners=ac)
            y.pow(2).sum().backward()
            k = f'gs_{mode}_{pad}_{int(ac)}'
            OUT[k], OUT[k + '_gx'], OUT[k + '_gg'] = y.detach(), xr.grad, gr.grad
xr = x.clone().requires_grad_()
u = F.unfold(xr, kernel_size=3, padding=1, stride=(1, 2), dilation=1)
(u * u).sum().backward()
OUT['unfold'], OUT['unfold_g'] = u.detach(), xr.grad
OUT['fold'] = F.fold(u.detach(), output_size=(5, 6), kernel_size=3, padding=1, stride=(1, 2))
OUT_J = res
`, { tensors: { x, grid } });

test('InstanceNorm2d: training output, gradients, running statistics, eval, defaults, repr', () => {
  const m = new torch.nn.InstanceNorm2d(4, { affine: true, trackRunningStats: true, momentum: 0.3 });
  torch.noGrad(() => { m.weight!.copy_(torch.linspace(0.5, 2, 4)); m.bias!.copy_(torch.linspace(-1, 1, 4)); });
  const xr = x.clone().requiresGrad_();
  const y = m.call(xr) as torch.Tensor;
  y.mul(torch.arange(y.numel()).reshape(y.shape).to('float32').sin()).sum().backward();
  assertClose(y.detach(), ref.tensors['in_train']!, { what: 'train output' });
  assertClose(xr.grad!, ref.tensors['in_grad']!, { what: 'input grad' });
  assertClose(m.weight!.grad!, ref.tensors['in_wgrad']!, { what: 'weight grad' });
  assertClose(m.running_mean!, ref.tensors['in_rm']!, { what: 'running mean' });
  assertClose(m.running_var!, ref.tensors['in_rv']!, { what: 'running var' });
  m.eval();
  assertClose(m.call(x), ref.tensors['in_eval']!, { what: 'eval output' });
  assertClose(new torch.nn.InstanceNorm2d(4).call(x), ref.tensors['in_plain']!, { what: 'defaults' });
  assertClose(new torch.nn.InstanceNorm1d(5).call(x.select(0, 0).select(0, 0)), ref.tensors['in_unbatched']!, { what: 'unbatched 1d' });
  assert.deepEqual([String(m), String(new torch.nn.InstanceNorm3d(3))], ref.json.repr);
  assert.deepEqual(Object.keys(new torch.nn.InstanceNorm2d(3).stateDict()), []);
  assert.throws(() => new torch.nn.InstanceNorm2d(4).call(torch.randn([2, 4, 1, 1])), /more than 1 spatial element/);
  assert.throws(() => new torch.nn.InstanceNorm2d(4).call(torch.randn([4, 5])), /expected 3D \(unbatched\) or 4D/);
});

test('gridSample: every mode, padding mode and alignCorners, with gradients for input and grid', () => {
  for (const mode of ['bilinear', 'nearest', 'bicubic'] as const) {
    for (const pad of ['zeros', 'border', 'reflection'] as const) {
      for (const ac of [false, true]) {
        const k = `gs_${mode}_${pad}_${ac ? 1 : 0}`;
        const xr = x.clone().requiresGrad_(), gr = grid.clone().requiresGrad_();
        const y = F.gridSample(xr, gr, { mode, paddingMode: pad, alignCorners: ac });
        y.pow(2).sum().backward();
        assertClose(y.detach(), ref.tensors[k]!, { what: k });
        assertClose(xr.grad!, ref.tensors[`${k}_gx`]!, { what: `${k} input grad` });
        if (mode !== 'nearest') assertClose(gr.grad!, ref.tensors[`${k}_gg`]!, { what: `${k} grid grad`, atol: 1e-4 });
      }
    }
  }
  assert.throws(() => F.gridSample(x, torch.rand([2, 3, 7, 3])), /needs a grid/);
  assert.throws(() => F.gridSample(x, grid, { mode: 'area' as never }), /mode must be/);
});

test('unfold (im2col) and fold (col2im)', () => {
  const xr = x.clone().requiresGrad_();
  const u = F.unfold(xr, 3, { padding: 1, stride: [1, 2] });
  u.mul(u).sum().backward();
  assertClose(u.detach(), ref.tensors['unfold']!, { what: 'unfold' });
  assertClose(xr.grad!, ref.tensors['unfold_g']!, { what: 'unfold grad' });
  assertClose(F.fold(u.detach(), [5, 6], 3, { padding: 1, stride: [1, 2] }), ref.tensors['fold']!, { what: 'fold' });
});
