// `tstorch models` and `tstorch summary` against PyTorch's own counts (parameters; multiply-adds of the
// convolutions and linear layers by forward hooks), and the zoo commands' argument errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers/cli.js';
import { runPython } from './helpers/pytorch.js';


test('models and summary report PyTorch\'s parameter counts and multiply-adds', async () => {
  const names = ['mobilenet_v2', 'squeezenet1_1'];
  const py = runPython(`
res = {}
for name in J:
    m = torchvision.models.get_model(name, weights=None).eval()
    macs = [0]
    def hook(mod, inp, out):
        if isinstance(mod, torch.nn.Conv2d):
            macs[0] += out.numel() * (mod.in_channels // mod.groups) * mod.kernel_size[0] * mod.kernel_size[1]
        elif isinstance(mod, torch.nn.Linear):
            macs[0] += out.numel() * mod.in_features
    for mod in m.modules(): mod.register_forward_hook(hook)
    with torch.no_grad(): m(torch.zeros(1, 3, 224, 224))
    res[name] = {'params': sum(p.numel() for p in m.parameters()), 'macs': macs[0]}
OUT_J = res
`, { json: names });
  const r = await cli(['models', '--json', '--gflops', 'mobilenet_v2']);
  assert.equal(r.code, 0, r.err);
  const [info] = JSON.parse(r.out) as { name: string; params: number; gflops: number; weights: { name: string; default: boolean }[] }[];
  assert.equal(info!.name, 'mobilenet_v2');
  assert.equal(info!.params, py.json.mobilenet_v2.params);
  // the summary also counts BatchNorm's per-channel scale and shift, a fraction of a percent
  assert.ok(Math.abs(info!.gflops * 1e9 - py.json.mobilenet_v2.macs) / py.json.mobilenet_v2.macs < 0.01, `${info!.gflops} vs ${py.json.mobilenet_v2.macs}`);
  assert.deepEqual(info!.weights.map((w) => [w.name, w.default]), [['MobileNet_V2_Weights.IMAGENET1K_V1', false], ['MobileNet_V2_Weights.IMAGENET1K_V2', true]]);

  const table = await cli(['models', 'squeezenet*']);
  assert.equal(table.code, 0);
  const row = table.out.split('\n').find((l) => l.startsWith('squeezenet1_1 '))!;
  assert.match(row, new RegExp(`^squeezenet1_1\\s+${(py.json.squeezenet1_1.params / 1e6).toFixed(1)}M\\s+(\\d+\\.\\d\\d)\\s+224\\s+IMAGENET1K_V1\\* `));
  const g = Number(/M\s+(\d+\.\d\d)/.exec(row)![1]);
  assert.ok(Math.abs(g - py.json.squeezenet1_1.macs / 1e9) < 0.01 + 0.01 * g);

  const s = await cli(['summary', 'squeezenet1_1', '--depth', '1']);
  assert.equal(s.code, 0, s.err);
  assert.match(s.out, new RegExp(`Total params: ${py.json.squeezenet1_1.params.toLocaleString('en-US')}`));
  assert.match(s.out, /Conv2d: 2-1\s+\[1, 64, 111, 111\]|Sequential: 1-1\s+\[1, 512, 13, 13\]/);
});

test('zoo commands name what is wrong', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-cli-'));
  try {
    mkdirSync(join(dir, 'ok', 'train'), { recursive: true });
    mkdirSync(join(dir, 'ok', 'val'));
    const cases: [string[], RegExp][] = [
      [['models', 'nosuchnet*'], /no model matches 'nosuchnet\*'/],
      [['summary'], /summary: name a model/],
      [['summary', 'resnet18', '--input', '1,3,x'], /--input must be 2 to 8 positive integers/],
      [['summary', 'resnet_18'], /unknown model 'resnet_18'/],
      [['predict', 'resnet18'], /name at least one image file or folder/],
      [['predict', 'resnet18', join(dir, 'nothing.jpg')], /no such file or folder '.*nothing\.jpg'/],
      [['predict', 'resnet18', dir], /no image files in/],
      [['finetune', 'alexnet'], /--data DIR is required/],
      [['finetune', 'alexnet', '--data', dir, '--weights', 'none'], /'.*train' is not a folder/],
      [['finetune', 'alexnet', '--data', dir, '--epochs', '0'], /--epochs must be a whole number at least 1/],
      [['finetune', 'alexnet', '--data', dir, '--mean', '1,2'], /--mean needs 3 comma-separated numbers/],
      [['finetune', 'alexnet', '--data', join(dir, 'ok'), '--weights', 'IMAGENET1K_V7'], /IMAGENET1K_V7/],
      [['finetune', 'alexnet', '--frobnicate'], /unknown option --frobnicate/],
    ];
    for (const [argv, re] of cases) {
      const saved = process.env.TSTORCH_DATA;
      delete process.env.TSTORCH_DATA;
      const r = await cli(argv);
      if (saved !== undefined) process.env.TSTORCH_DATA = saved;
      assert.equal(r.code, 1, argv.join(' '));
      assert.match(r.err, re, argv.join(' '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
