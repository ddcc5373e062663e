// The TypeScript types of the public API accept what the binder accepts: every positional form PyTorch allows
// for a callable with a registered signature (`F.maxPool2d(x, 3, 2)`, `new ResNet(block, layers, 10)`,
// `dist.broadcast(t, 0, group, true)`) type-checks, so a port that is right at run time also passes
// `tsc --noEmit` (docs/porting.md tells porters to run it). test/helpers/api-types.ts says how the declared
// signatures are compared with the specs; scripts/positional-types.ts lists what fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { signature } from '../src/args.js';
import { boundCallables, checkPositionalTypes, type Callable } from './helpers/api-types.js';
import { runPython } from './helpers/pytorch.js';

/**
 * Callables whose types may reject a PyTorch positional prefix, and why: none today. (A prefix that PyTorch itself
 * refuses is not compared: `torch.scatter(input, dim, index)` without src is no call, and the declarations say so by
 * requiring src.)
 */
const EXCEPTIONS: Record<string, string> = {};

// Forms that must type-check (the compiler resolves the overloads itself here, not the helper's comparison), and
// forms that must not (`@ts-expect-error`: an unused one is a diagnostic).
const CALLS = String.raw`
declare const x: torch.Tensor, boxes: torch.Tensor, pg: torch.distributed.ProcessGroup;
declare const flag: boolean;
const { ops, models } = vision;
const dist = torch.distributed;
export const w1: torch.distributed.Work | null = dist.broadcast(x, 0, pg, true);
dist.broadcast(x, 0, pg);
dist.reduce(x, 0, 'sum', null, false);
dist.allGather([x], x, pg, false);
dist.gather(x, [x], 0, pg);
dist.scatter(x, null, 0);
dist.allToAllSingle(x, x, null, null, pg, false);
dist.barrier(pg);
dist.send(x, 1, pg, 7);
dist.recv(x, 1, pg, 7);
dist.broadcastObjectList([1, 2], 0, pg);
export const rn = new models.ResNet(models.BasicBlock, [2, 2, 2, 2], 10, false);
export const sq = new models.SqueezeNet('1_1', 10, 0.5);
export const fl: torch.Tensor = ops.sigmoidFocalLoss(x, x, 0.25, 2, 'mean');
export const dc: torch.Tensor = ops.deformConv2d(x, x, x, null, 1, 0, 1, null);
export const cna = new ops.Conv2dNormActivation(3, 16, 3, 2);
export const fpn = new ops.FeaturePyramidNetwork([16, 32], 8, null);
ops.generalizedBoxIouLoss(boxes, boxes, 'sum', 1e-7);
ops.dropBlock2d(x, 0.1, 3, false, 1e-6, true);
export const g = torch.autograd.grad([x], [x], null, true, true);
torch.autograd.backward([x], null, true);
x.backward(null, true);
export const close: boolean = torch.allclose(x, x, 1e-5, 1e-8, true);
x.nanToNum(0, 1, -1);
x.random_(5);
export const [pooled, idx] = torch.nn.functional.maxPool2d(x, 3, 2, 1, 1, false, true);
export const either = torch.nn.functional.maxPool2d(x, 3, 2, 1, 1, false, flag);
torch.unique(x, true, true);
torch.load('a.pt', 'cpu');
torch.setPrintOptions(6, 100);
export const m1 = models.getModel('resnet18', { numClasses: 10 });
export const m2 = models.getModel({ name: 'resnet18', numClasses: 10 });
vision.transforms.resize(x, 32, 'bilinear', undefined, true);
vision.transforms.rotate(x, 30, 'nearest', true);
vision.utils.saveImage(x, 'a.png', 'png', 4);
export const rv = dist.rendezvous('env://', 0, 1, { timeout: 1000 });
// @ts-expect-error one positional argument too many
ops.sigmoidFocalLoss(x, x, 0.25, 2, 'mean', 1);
// @ts-expect-error a number where the focal loss's reduction goes
ops.sigmoidFocalLoss(x, x, 0.25, 2, 3);
// @ts-expect-error rendezvous's timeout is keyword-only, as in Python
dist.rendezvous('env://', 0, 1, 1000);
// @ts-expect-error a string where ResNet's numClasses goes
new models.ResNet(models.BasicBlock, [2, 2, 2, 2], 'ten');
`;

// The comparison itself, on declarations made for it: a callable typed with the options form only is found, one
// typed with PyRest passes.
const SELF_TEST = String.raw`
interface __Opts { stride?: number; padding?: number }
declare function __optionsOnly(input: torch.Tensor, opts?: __Opts): void;
declare function __pyForms(input: torch.Tensor, ...rest: PyRest<__Opts, ['stride', 'padding']>): void;
declare function __narrow(input: torch.Tensor, stride?: string, opts?: __Opts): void;
`;
const selfTest = (name: string, expr: string): Callable => ({ name, expr, sig: signature(name, name, 'input; stride, padding'), isClass: false });

const result = checkPositionalTypes([...boundCallables(), selfTest('selftest.optionsOnly', '__optionsOnly'),
  selfTest('selftest.pyForms', '__pyForms'), selfTest('selftest.narrow', '__narrow')], CALLS + SELF_TEST);
const selfNames = new Set(['selftest.optionsOnly', 'selftest.pyForms', 'selftest.narrow']);

test('the comparison finds a callable typed with the options form only, and one whose positional type is wrong', () => {
  const found = new Map(result.findings.filter((f) => selfNames.has(f.name)).map((f) => [f.name, f]));
  assert.deepEqual(found.get('selftest.optionsOnly')?.rejected, ['optionsOnly(input, stride)', 'optionsOnly(input, stride, padding)']);
  assert.deepEqual(found.get('selftest.narrow')?.rejected, ['narrow(input, stride)', 'narrow(input, stride, padding)']);
  assert.equal(found.get('selftest.pyForms'), undefined);
});

test('every PyTorch positional form of every bound callable type-checks', () => {
  const real = result.findings.filter((f) => !selfNames.has(f.name));
  assert.ok(result.checked > 1300, `only ${result.checked} callables checked`);
  const unexpected = real.filter((f) => EXCEPTIONS[f.name] === undefined).map((f) =>
    `${f.name} [${f.spec}]: ${f.missing ?? [...f.rejected.map((r) => `rejects ${r}`), ...f.untyped.map((u) => `no declared type for '${u}'`)].join('; ')}`);
  assert.deepEqual(unexpected, [], `types that reject PyTorch's positional forms:\n${unexpected.join('\n')}`);
  for (const name of Object.keys(EXCEPTIONS)) {
    assert.ok(real.some((f) => f.name === name), `EXCEPTIONS lists ${name}, whose types now accept every positional form`);
  }
});

test('typed ports: PyTorch\'s positional calls compile, and the wrong ones do not', () => {
  assert.deepEqual(result.extraDiagnostics, []);
});

test('torch.abs and the other one-argument functions refuse a second argument (it was dropped)', () => {
  const a = torch.tensor([-1]);
  for (const f of [torch.abs, torch.exp, torch.sigmoid, torch.isnan]) {
    assert.throws(() => (f as (...a: unknown[]) => unknown)(a, torch.tensor([-5])), /takes at most 1 positional argument/, f.name);
  }
  assert.deepEqual(torch.abs(a).toArray(), [1]);
});

test('Tensor.random_(to) draws from [0, to) as in PyTorch (it drew from [to, 2^24]); random_(from, None) from [from, 2^24]', () => {
  const draw = (f: (t: torch.Tensor) => torch.Tensor, n = 8): number[] => { torch.manualSeed(0); return f(torch.zeros(n)).toArray() as number[]; };
  const mine = [draw((t) => t.random_(5)), draw((t) => t.random_(2, 5)), draw((t) => t.random_({ to: 5 })), draw((t) => t.random_(), 4),
    draw((t) => t.random_(3, null), 4), draw((t) => t.random_({ from: 3 }), 4)];
  const { json } = runPython(`
torch.manual_seed(0); a = torch.zeros(8).random_(5).tolist()
torch.manual_seed(0); b = torch.zeros(8).random_(2, 5).tolist()
torch.manual_seed(0); c = torch.zeros(8).random_(to=5).tolist()
torch.manual_seed(0); d = torch.zeros(4).random_().tolist()
torch.manual_seed(0); e = torch.zeros(4).random_(3, None).tolist()
OUT_J = [a, b, c, d, e, e]`);
  assert.deepEqual(mine, json);
});

test('Python\'s **kwargs: getModel(name, **config), Join\'s hook keywords, rendezvous(url, rank, world_size, *, timeout)', async () => {
  const { models } = vision;
  assert.equal((models.getModel({ name: 'resnet18', numClasses: 3, weights: null }) as vision.models.ResNet).fc.outFeatures, 3);
  assert.equal((models.getModel('resnet18', { numClasses: 4 }) as vision.models.ResNet).fc.outFeatures, 4);
  // a keyword the builder does not take is refused by the builder, by name
  assert.throws(() => models.getModel('resnet18', { num_classes: 4 }), /num_classes/);
  assert.throws(() => models.getModel('resnet18', { name: 'resnet34' }), /multiple values for argument 'name'/);
  const dist = torch.distributed;
  await assert.rejects((dist.rendezvous as (...a: unknown[]) => Promise<unknown>)('env://', 0, 1, 1000), /rendezvous\(\) takes at most 3 positional arguments/);
  if (!dist.isAvailable()) return;
  const store = new dist.HashStore();
  await dist.initProcessGroup({ backend: 'gloo', store, rank: 0, worldSize: 1, timeout: 10_000 });
  try {
    const seen: Record<string, unknown>[] = [];
    const joinable: torch.distributed.algorithms.Joinable = {
      joinConfig: { enable: true, throwOnEarlyTermination: false, isFirstJoinable: true },
      joinHook: (kw) => { seen.push(kw); return { mainHook: () => undefined, postHook: () => undefined }; },
      joinDevice: 'cpu',
      joinProcessGroup: dist.group.WORLD!,
    };
    new dist.algorithms.Join([joinable], true, false, { myHookOption: 2 });
    assert.deepEqual(seen, [{ myHookOption: 2 }]);
  } finally {
    dist.destroyProcessGroup();
  }
});

test('the retyped constructors and functions bind PyTorch\'s positional forms at run time as well', () => {
  const { ops, models } = vision;
  torch.manualSeed(0);
  // Conv2dNormActivation(in_channels, out_channels, kernel_size, stride): stride 2 halves 8x8
  assert.deepEqual([...new ops.Conv2dNormActivation(3, 4, 3, 2).eval().call(torch.rand(1, 3, 8, 8)).shape], [1, 4, 4, 4]);
  const p = torch.rand(6);
  const t = torch.tensor([0, 1, 1, 0, 1, 0]);
  assert.ok(ops.sigmoidFocalLoss(p, t, 0.5, 1, 'sum').equal(ops.sigmoidFocalLoss(p, t, { alpha: 0.5, gamma: 1, reduction: 'sum' })));
  assert.ok(!ops.sigmoidFocalLoss(p, t, 0.5, 1, 'sum').equal(ops.sigmoidFocalLoss(p, t)), 'the positional alpha, gamma, reduction changed nothing');
  // SqueezeNet(version, num_classes, dropout)
  assert.equal(new models.SqueezeNet('1_1', 7, 0.1).stateDict()['classifier.1.weight']!.shape[0], 7);
  const b = torch.tensor([[0, 0, 4, 4], [1, 1, 3, 5]]);
  assert.ok(ops.generalizedBoxIouLoss(b, b.flip(0), 'sum', 1e-7).equal(ops.generalizedBoxIouLoss(b, b.flip(0), { reduction: 'sum', eps: 1e-7 })));
});
