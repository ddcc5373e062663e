// Walks the public API and proves that no function, method or constructor drops an argument: each one is bound
// to its PyTorch signature (src/args.ts), so one positional argument too many and an unknown option key are
// TypeErrors that name them, before anything runs. A callable without a signature fails this test unless it is
// listed below with the reason it takes none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { signatureOf, type Signature } from '../src/args.js';

/** Exported callables that are not PyTorch API calls with arguments to bind, and why. */
const EXEMPT: Record<string, string> = {
  'torch.Tensor': 'the class: tensors are made by torch.tensor/zeros/..., never with new',
  'torch.Size': 'torch.Size(iterable) takes one array, checked by its constructor',
  'torch.DType': 'dtype objects are constants (torch.float32); the constructor is internal',
  'torch.dtype': 'the same class as torch.DType',
  'torch.Device': 'use torch.device(); the constructor is internal',
  'torch.device': 'torch.device(type, index?) checks its own two arguments',
  'torch.Generator': 'torch.Generator(seed?) checks its seed',
  'torch.GradModeGuard': 'returned by noGrad()/setGradEnabled(), not constructed',
  'torch.noGrad': 'a mode function: fn, nothing, or a method decorator (grad-mode.ts checks each form)',
  'torch.enableGrad': 'a mode function (see noGrad)',
  'torch.inferenceMode': 'a mode function (see noGrad)',
  'torch.setGradEnabled': 'checks (mode, fn?) itself',
  'torch.op': 'the raw ATen escape hatch: arguments go to the operator schema, which checks them',
  'torch.schemaOf': 'tstorch internals',
  'torch.wrap': 'tstorch internals (a native handle to a Tensor)',
  'torch.tidy': 'tidy(fn) runs fn',
  'torch.keep': 'keep(value) returns value',
  'torch.disposeTemporary': 'tstorch internals',
  'torch.memoryStats': 'no arguments, no PyTorch counterpart',
  'torch.cpuCacheStats': 'no arguments, no PyTorch counterpart',
  'torch.config': 'no arguments',
  'torch.dtypeCode': 'tstorch internals', 'torch.dtypeFromCode': 'tstorch internals', 'torch.normalizeDtype': 'tstorch internals',
  'torch.elementSize': 'tstorch internals', 'torch.typedArrayOf': 'tstorch internals', 'torch.dtypeOfTypedArray': 'tstorch internals',
  'torch.isDeviceString': 'tstorch internals',
  'nn.Module': 'the base class: a constructor without arguments of its own is checked by Module itself (see below)',
  'nn.Parameter': 'Parameter(data, requiresGrad?) as in PyTorch',
  'nn.Identity': 'PyTorch\'s Identity accepts and ignores any arguments by design',
  'nn.callChain': 'tstorch internals (Sequential\'s chaining)', 'nn.releaseOutput': 'tstorch internals', 'nn.stateDictMetadata': 'tstorch internals',
  'optim.Optimizer': 'abstract base class', 'lr_scheduler.LRScheduler': 'abstract base class',
  'data.Dataset': 'abstract base class', 'data.IterableDataset': 'abstract base class', 'data.Sampler': 'abstract base class',
  'data.Generator': 'torch.Generator', 'data.isMapDataset': 'tstorch internals',
  'datasets.VisionDataset': 'abstract base class', 'datasets.TarExtractor': 'tstorch\'s archive reader', 'datasets.defaultLoader': 'the loader function ImageFolder calls',
  'datasets.downloadUrl': 'tstorch\'s downloader (torchvision.datasets.utils is not mirrored)', 'datasets.downloadAndExtractArchive': 'tstorch\'s downloader',
  'datasets.extractTar': 'tstorch\'s archive reader', 'datasets.extractTarSync': 'tstorch\'s archive reader', 'datasets.md5File': 'tstorch\'s downloader',
  'datasets.readIdx': 'tstorch\'s MNIST file reader',
  'datasets.VideoClassificationDataset': 'abstract base class (Kinetics, UCF101, HMDB51)',
  'datasets.MatFile': 'returned by readMat/parseMat; the constructor is internal',
  'datasets.applyJointTransform': 'tstorch internals (applies a function, or an object with call, to an (image, target) pair)',
  'transforms.Transform': 'abstract base class', 'transforms.applyTransform': 'tstorch internals (a function or an object with call)',
  'transforms.applyAugmentOp': 'tstorch internals (AutoAugment\'s operations)', 'transforms.inverseAffineMatrix': 'torchvision\'s private _get_inverse_affine_matrix',
  'transforms.perspectiveCoeffs': 'torchvision\'s private _get_perspective_coeffs',
  'tf.roundHalfEven': 'tstorch internals', 'tf.parsePadding': 'tstorch internals', 'tf.checkMode': 'tstorch internals', 'tf.parseSize': 'tstorch internals',
  'tf.toImageTensor': 'an alias of pilToTensor', 'tf.cropWithPadding': 'tstorch internals (a crop that pads outside the image)',
  'torch.distributed.ReduceOp': 'constants (ReduceOp.SUM, ...); the constructor is private',
  'torch.distributed.TCPStore': 'the constructor is private: TCPStore.create(host, port, { worldSize, isMaster, ... }) connects',
  'torch.distributed.Store': 'abstract base class', 'vision.models.MBConvConfigBase': 'abstract base class', 'vision.ops.ExtraFPNBlock': 'abstract base class',
  'vision.ops.ConvNormActivation': 'the constructor is protected: Conv2dNormActivation and Conv3dNormActivation are the public forms',
};

/** The short names EXEMPT uses for the walked namespaces. */
const ALIASES: [string, string][] = [
  ['torch.nn.functional.', 'F.'], ['torch.nn.init.', 'init.'], ['torch.nn.utils.', 'nn.utils.'], ['torch.nn.', 'nn.'],
  ['torch.optim.lrScheduler.', 'lr_scheduler.'], ['torch.optim.', 'optim.'], ['torch.utils.data.', 'data.'],
  ['vision.datasets.', 'datasets.'], ['vision.transforms.functional.', 'tf.'], ['vision.transforms.', 'transforms.'],
];
const shortName = (q: string): string => {
  for (const [full, short] of ALIASES) if (q.startsWith(full)) return short + q.slice(full.length);
  return q;
};
const isNamespace = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && (Object.prototype.toString.call(v) === '[object Module]'
    // plain objects that stand for Python modules: torch.cuda, torch.backends.cudnn
    || [Object.prototype, null].includes(Object.getPrototypeOf(v)));

/**
 * Every exported callable of the package: `torch` (src/index.ts) and `vision` (src/vision/index.ts), every
 * namespace (and plain object standing for a Python module) under them recursively, each under its first name ('torch.nn.Linear', 'vision.ops.RoIAlign').
 */
function publicCallables(): [string, (...a: unknown[]) => unknown][] {
  const out: [string, (...a: unknown[]) => unknown][] = [];
  const seen = new Set<unknown>();
  const visit = (prefix: string, ns: Record<string, unknown>): void => {
    if (seen.has(ns)) return;
    seen.add(ns);
    for (const [name, v] of Object.entries(ns)) {
      if (name.startsWith('_')) continue; // private (torch.jit._native: the addon's raw functions)
      if (typeof v === 'function') out.push([`${prefix}.${name}`, v as (...a: unknown[]) => unknown]);
      else if (isNamespace(v)) visit(`${prefix}.${name}`, v);
    }
  };
  visit('torch', torch as unknown as Record<string, unknown>);
  visit('vision', vision as unknown as Record<string, unknown>);
  return out;
}
const CALLABLES = publicCallables();
/** Exempt values (an exempt callable is exempt under every name it is exported as: torch.noGrad, torch.autograd.noGrad). */
const EXEMPT_VALUES = new Set<unknown>(CALLABLES.filter(([q]) => EXEMPT[shortName(q)] !== undefined).map(([, v]) => v));
const exempt = (q: string, v: unknown): boolean => EXEMPT[shortName(q)] !== undefined || EXEMPT_VALUES.has(v);

const isClass = (f: unknown): boolean => typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));

/** A value the binder never mistakes for an options object. */
class Junk {}
const junk = (): Junk => new Junk();

function tooManyPositional(sig: Signature): unknown[] | null {
  if (sig.variadic !== null) return null;
  return Array.from({ length: sig.positional.length + 1 }, junk);
}

function unknownKeyword(sig: Signature): unknown[] | null {
  const named = sig.keywordOnly.length > 0 || sig.positional.some((p) => p !== sig.variadic);
  // Python's **kwargs takes any keyword (getModel's config, Join's hook keywords): what refuses an unknown one is
  // the builder or the hook it goes to
  if (!named || sig.dicts.length || sig.varKeyword !== null) return null;
  const head = Array.from({ length: sig.required }, junk);
  return [...head, { bogusOption: 1 }];
}

/** `run` refuses its arguments: a TypeError matching `pattern`, thrown, or the rejection of the Promise an async function returns. */
async function expectBinderError(what: string, run: () => unknown, pattern: RegExp): Promise<void> {
  const ok = (e: unknown): boolean => e instanceof TypeError && pattern.test(e.message);
  let r: unknown;
  try {
    r = run();
  } catch (e) {
    assert.ok(ok(e), `${what} refused its arguments with the wrong error: ${String(e)}`);
    return;
  }
  assert.ok(r instanceof Promise, `${what} did not refuse its arguments`);
  await assert.rejects(r, (e: unknown) => ok(e), `${what} did not refuse its arguments`);
}

test('every public function, method and constructor of the package is bound to a PyTorch signature', () => {
  const missing: string[] = [];
  for (const [q, v] of CALLABLES) {
    if (!exempt(q, v) && signatureOf(v) === undefined) missing.push(q);
  }
  for (const name of Object.keys(EXEMPT)) {
    assert.ok(CALLABLES.some(([q]) => shortName(q) === name), `EXEMPT lists ${name}, which is not exported`);
  }
  const proto = torch.Tensor.prototype as unknown as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, name)!;
    if (typeof d.value !== 'function' || name === 'constructor' || name === 'toString' || name.startsWith('_')) continue;
    if (signatureOf(d.value) === undefined) missing.push(`Tensor.${name}`);
  }
  assert.deepEqual(missing, [], `without a signature: ${missing.join(', ')}`);
});

test('one positional argument too many is a TypeError naming the count, for every bound callable', async () => {
  let checked = 0;
  for (const [q, f] of CALLABLES) {
    const sig = signatureOf(f);
    if (sig === undefined || exempt(q, f)) continue;
    const args = tooManyPositional(sig);
    if (args === null) continue;
    await expectBinderError(q, () => (isClass(f) ? Reflect.construct(f, args) : f(...args)), /takes (no|at most \d+) (positional )?argument/);
    checked++;
  }
  const t = torch.zeros(1);
  const proto = torch.Tensor.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const m = Object.getOwnPropertyDescriptor(proto, name)!.value as ((...a: unknown[]) => unknown) | undefined;
    const sig = typeof m === 'function' ? signatureOf(m) : undefined;
    if (sig === undefined) continue;
    const args = tooManyPositional(sig);
    if (args === null) continue;
    await expectBinderError(`Tensor.${name}`, () => m!.apply(t, args), /takes (no|at most \d+) positional argument/);
    checked++;
  }
  assert.ok(checked > 400, `only ${checked} callables checked`);
});

test('an unknown option key is a TypeError naming the key, for every bound callable that takes options', async () => {
  let checked = 0;
  for (const [q, f] of CALLABLES) {
    const sig = signatureOf(f);
    if (sig === undefined || exempt(q, f)) continue;
    const args = unknownKeyword(sig);
    if (args === null) continue;
    await expectBinderError(q, () => (isClass(f) ? Reflect.construct(f, args) : f(...args)), /unexpected keyword argument 'bogusOption'/);
    checked++;
  }
  const t = torch.zeros(1);
  const proto = torch.Tensor.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const m = Object.getOwnPropertyDescriptor(proto, name)!.value as ((...a: unknown[]) => unknown) | undefined;
    const sig = typeof m === 'function' ? signatureOf(m) : undefined;
    if (sig === undefined) continue;
    const args = unknownKeyword(sig);
    if (args === null) continue;
    await expectBinderError(`Tensor.${name}`, () => m!.apply(t, args), /unexpected keyword argument 'bogusOption'/);
    checked++;
  }
  assert.ok(checked > 250, `only ${checked} callables checked`);
});

test('a module or transform class without a constructor of its own takes no arguments (Python\'s Module.__init__)', () => {
  class Net extends torch.nn.Module {
    fc = new torch.nn.Linear(2, 2);
  }
  assert.throws(() => new (Net as unknown as new (a: number) => Net)(5), /Net\(\) takes no arguments/);
  assert.throws(() => new (vision.transforms.ToTensor as unknown as new (a: number) => unknown)(1), /ToTensor\(\) takes no arguments/);
  const call = new vision.transforms.ToTensor().call as (...a: unknown[]) => unknown;
  assert.throws(() => call.call(new vision.transforms.ToTensor(), torch.zeros(1, 2, 2), 3), /takes one input/);
});

test('PyTorch positional order and options objects mean the same, and snake_case keys get a hint', () => {
  const F = torch.nn.functional;
  const x = torch.arange(64, { dtype: 'float32' }).reshape(1, 1, 8, 8);
  // F.maxPool2d(x, 3, 2) used to run with stride 3: the 2 landed where an options object was expected
  assert.ok(F.maxPool2d(x, 3, 2).equal(F.maxPool2d(x, 3, { stride: 2 })));
  assert.deepEqual([...F.maxPool2d(x, 3, 2).shape], [1, 1, 3, 3]);
  assert.deepEqual([...new torch.nn.Softmax(1).call(torch.ones(2, 3)).shape], [2, 3]);
  assert.equal(new torch.nn.Softmax({ dim: 1 }).dim, 1);
  assert.equal(new torch.nn.Softmax(1).dim, 1);
  assert.ok(torch.cat([x, x], 1).equal(torch.cat([x, x], { dim: 1 })));
  assert.equal(new torch.nn.ELU(0.5).alpha, 0.5);
  assert.equal(new torch.nn.Dropout(0.2).p, 0.2);
  assert.equal(new torch.nn.Linear(3, 2, false).bias, null);
  assert.throws(() => F.maxPool2d(x, { kernel_size: 3 } as never), /unexpected keyword argument 'kernel_size' \(PyTorch's 'kernel_size' is 'kernelSize' here\)/);
  assert.throws(() => (torch.matmul as (...a: unknown[]) => unknown)(x, x, { out: x }), /'out'.*return their result/);
  assert.throws(() => x.sum(1, { keepdim: true, keep_dim: true } as never), /'keep_dim'/);
  assert.throws(() => F.maxPool2d(x, 3, 2, { stride: 2 } as never), /multiple values for argument 'stride'/);
  // std(dim, unbiased, keepdim) is PyTorch's order: the second argument is unbiased, not keepdim
  const y = torch.tensor([[1, 2, 3, 4]]);
  assert.deepEqual([...y.std(1, false).shape], [1]);
  assert.ok(Math.abs(y.std(1, false).item() - Math.sqrt(1.25)) < 1e-6);
  assert.deepEqual([...y.std(1, { keepdim: true }).shape], [1, 1]);
});

test('every registered model builder takes one options object: a second argument is a TypeError, not dropped', () => {
  const names = vision.models.listModels();
  assert.ok(names.length >= 68, `only ${names.length} builders registered`);
  for (const name of names) {
    const build = vision.models.getModelBuilder(name) as (...a: unknown[]) => unknown;
    assert.ok(signatureOf(build) !== undefined, `${name} has no signature`);
    // refused before anything is built (no weights are read, no module is made)
    assert.throws(() => build({}, 5), (e: Error) => e instanceof TypeError && /takes at most 1 positional argument/.test(e.message), name);
    assert.throws(() => build(true), TypeError, name);
  }
  // two options objects: the second is taken as the keywords, and names what it cannot bind
  assert.throws(() => (vision.models.resnet18 as (...a: unknown[]) => unknown)({ numClasses: 3 }, { weights: null }), /resnet18\(\) got an unexpected keyword argument 'weights'/);
});

test('torchvision.io and torchvision.utils names take their positional order and refuse what they cannot use', () => {
  const { io, utils } = vision;
  const bound = [io.readFile, io.writeFile, io.decodeImage, io.decodeJpeg, io.decodePng, io.readImage, io.readImageAsync, io.encodeJpeg,
    io.encodePng, io.writeJpeg, io.writePng, utils.makeGrid, utils.saveImage, utils.saveImageAsync, io.readVideo, io.readVideoTimestamps, io.writeVideo];
  for (const f of bound) {
    const sig = signatureOf(f);
    assert.ok(sig !== undefined && sig.pyName.startsWith('torchvision.'), `${f.name} has no torchvision signature`);
    const args = Array.from({ length: sig.positional.length + 1 }, junk);
    assert.throws(() => (f as (...a: unknown[]) => unknown)(...args), /takes at most \d+ positional argument/, f.name);
  }
  const b = torch.rand(5, 3, 4, 4);
  // make_grid(tensor, nrow=8, padding=2, ...): positional nrow and padding, as in torchvision
  assert.ok(utils.makeGrid(b, 2, 1).equal(utils.makeGrid(b, { nrow: 2, padding: 1 })));
  assert.throws(() => utils.makeGrid(b, { nrows: 2 } as never), /unexpected keyword argument 'nrows' \(did you mean 'nrow'\?\)/);
  const img = torch.randint(0, 256, [3, 4, 5], { dtype: 'uint8' });
  assert.ok(io.decodePng(io.encodePng(img, 9)).equal(img));
  assert.throws(() => io.encodePng(img, { compression_level: 9 } as never), /PyTorch's 'compression_level' is 'compressionLevel' here/);
  assert.ok(signatureOf(io.VideoReader)?.pyName === 'torchvision.io.VideoReader');
  assert.throws(() => new (io.VideoReader as unknown as new (...a: unknown[]) => unknown)('a.mp4', 'video', 0, 'cpu', 1), /takes at most 4 positional arguments/);
  assert.throws(() => io.readVideo('a.mp4', { start_pts: 0 } as never), /PyTorch's 'start_pts' is 'startPts' here/);
});

test('nn modules and functional ops bound after the transformer branch take PyTorch\'s positional order', () => {
  const { nn } = torch;
  const F = nn.functional;
  const inorm = new nn.InstanceNorm2d(3, 1e-3, 0.2, true);
  assert.equal(inorm.eps, 1e-3); assert.equal(inorm.momentum, 0.2); assert.equal(inorm.affine, true); assert.equal(inorm.trackRunningStats, false);
  // MultiheadAttention(embed_dim, num_heads, dropout, bias, ...): the fourth argument is bias
  const mha = new nn.MultiheadAttention(4, 2, 0.0, false);
  assert.equal(mha.in_proj_bias, null);
  assert.equal(new nn.MultiheadAttention(4, 2, { kdim: 3 }).kdim, 3);
  const layer = new nn.TransformerEncoderLayer(4, 2, 8, 0.0, 'gelu', 1e-6, true);
  assert.equal(layer.linear1.outFeatures, 8); assert.equal(layer.self_attn.batchFirst, true); assert.equal(layer.activationReluOrGelu, 2);
  assert.equal(new nn.TransformerEncoder(layer, 2, null, false).enableNestedTensor, false);
  assert.equal(new nn.Transformer(8, 2, 1, 1, 16).dModel, 8);
  assert.equal(new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16 }).nhead, 2);
  assert.throws(() => new nn.TransformerDecoderLayer(4, 2, { dim_feedforward: 8 } as never), /PyTorch's 'dim_feedforward' is 'dimFeedforward' here/);
  const x = torch.arange(32, { dtype: 'float32' }).reshape(1, 2, 4, 4);
  // unfold(input, kernel_size, dilation, padding, stride)
  assert.ok(F.unfold(x, 2, 1, 0, 2).equal(F.unfold(x, 2, { stride: 2 })));
  assert.ok(F.fold(F.unfold(x, 2, 1, 0, 2), 4, 2, 1, 0, 2).equal(x));
  const grid = torch.zeros(1, 1, 1, 2);
  assert.ok(F.gridSample(x, grid, 'nearest', 'border', true).equal(F.gridSample(x, grid, { mode: 'nearest', paddingMode: 'border', alignCorners: true })));
  const m = { a: [torch.ones(1)] };
  const c = nn.deepcopy(m);
  assert.ok(c.a[0]!.equal(m.a[0]!) && c.a[0] !== m.a[0]);
});

test('transforms bound after the augmentation branches take torchvision\'s positional order', () => {
  const T = vision.transforms;
  const aug = new T.AugMix(2, 4, 1, 0.5, false);
  assert.deepEqual([aug.severity, aug.mixtureWidth, aug.chainDepth, aug.alpha, aug.allOps], [2, 4, 1, 0.5, false]);
  assert.equal(new T.AugMix({ alpha: 0.25 }).alpha, 0.25);
  const el = new T.ElasticTransform(10, 2, 'nearest', 3);
  assert.deepEqual([el.alpha, el.sigma, el.interpolation, el.fill], [[10, 10], [2, 2], 'nearest', 3]);
  assert.equal(new T.RandomApply([(x: unknown) => x], 0.25).p, 0.25);
  assert.deepEqual(new T.RandomChoice([(x: unknown) => x, (x: unknown) => x], [1, 3]).p, [1, 3]);
  assert.equal(new T.ToPILImage('RGB').mode, 'RGB');
  assert.throws(() => new (T.RandomOrder as unknown as new (...a: unknown[]) => unknown)([], 1), /RandomOrder\(\) takes at most 1 positional argument/);
  const img = torch.rand(1, 4, 4);
  const d = torch.zeros(1, 4, 4, 2);
  assert.ok(T.elasticTransform(img, d, 'nearest').equal(img));
  assert.throws(() => (T.elasticTransform as (...a: unknown[]) => unknown)(img, d, { interp: 'nearest' }), /unexpected keyword argument 'interp'/);
});

test('the data sets bound after the dataset branches take torchvision\'s positional order (root, split, ...)', () => {
  const D = vision.datasets;
  const missing = '/nonexistent-tstorch-root';
  // the second positional argument is the split: its file is what the error names
  assert.throws(() => new D.SVHN(missing, 'extra'), /extra_32x32\.mat is missing/);
  assert.throws(() => new D.Places365(missing, 'bogus' as never), /Unknown value 'bogus' for argument split/);
  assert.throws(() => new D.STL10(missing, 'bogus' as never), /Unknown value 'bogus' for argument split/);
  assert.throws(() => new D.Food101(missing, 'bogus' as never), /Unknown value 'bogus' for argument split/);
  assert.throws(() => new D.EMNIST(missing, 'bogus' as never), /Unknown value 'bogus' for argument split/);
  // EMNIST(root, split, **kwargs): train and later are keyword-only, as in torchvision
  assert.throws(() => new (D.EMNIST as unknown as new (...a: unknown[]) => unknown)(missing, 'digits', true), /takes at most 2 positional arguments.*'train'/);
  assert.throws(() => new D.SVHN(missing, { splt: 'test' } as never), /unexpected keyword argument 'splt' \(did you mean 'split'\?\)/);
});

test('video data sets, VideoClips and the dataset file readers take torchvision\'s positional order', () => {
  const D = vision.datasets;
  // unfold(tensor, size, step, dilation)
  assert.deepEqual(D.unfold([0, 1, 2, 3, 4, 5], 2, 2, 2), [[0, 2], [2, 4]]);
  assert.deepEqual(D.resampleVideoIdx(4, 30, 15), { step: 2 });
  assert.throws(() => (D.resampleVideoIdx as (...a: unknown[]) => unknown)(4, 30, 15, 1), /takes at most 3 positional arguments/);
  const clips = new D.VideoClips([], 8, 4, null);
  assert.deepEqual([clips.numFrames, clips.step, clips.frameRate], [8, 4, null]);
  assert.throws(() => new D.VideoClips([], { clipLength: 8 } as never), /unexpected keyword argument 'clipLength'/);
  // Kinetics(root, frames_per_clip, num_classes, split, ...): the fourth argument is the split
  assert.throws(() => new D.Kinetics('/nonexistent-tstorch-root', 4, '400', 'bogus' as never), /Unknown value 'bogus' for argument split/);
  assert.throws(() => new D.UCF101('/nonexistent-tstorch-root', '/nonexistent', 4, 1, null, 7), /fold should be between 1 and 3, got 7/);
  assert.throws(() => new D.HMDB51('/nonexistent-tstorch-root', '/nonexistent', 4, { fold: 7 } as never), /fold should be between 1 and 3, got 7/);
  assert.throws(() => (D.parseValArchive as (...a: unknown[]) => unknown)('/nonexistent', 'ILSVRC2012_img_val.tar'), /takes at most 1 positional argument/);
});

test('every registered model builder refuses an unknown option key, naming it, before it resolves weights or builds', () => {
  // the weights name is bad too: a builder that checked its keys after resolving the weights would name the weights
  for (const name of vision.models.listModels()) {
    const build = vision.models.getModelBuilder(name) as (o: unknown) => unknown;
    assert.throws(() => build({ bogusOption: 1, weights: 'NO_SUCH_WEIGHTS' }), /bogusOption/, name);
  }
});

test('MultiheadAttention and Transformer forward take PyTorch\'s positional masks (not dropped as an options object)', () => {
  const { nn } = torch;
  torch.manualSeed(0);
  const mha = new nn.MultiheadAttention(4, 2).eval();
  const x = torch.rand(3, 1, 4);
  const mask = nn.Transformer.generateSquareSubsequentMask(3);
  const fwd = mha.call.bind(mha) as (...a: unknown[]) => [torch.Tensor, torch.Tensor | null];
  // forward(query, key, value, key_padding_mask, need_weights, attn_mask)
  const [a] = fwd(x, x, x, null, false, mask);
  const [b] = fwd(x, x, x, { needWeights: false, attnMask: mask });
  const [c] = fwd(x, x, x, { needWeights: false });
  assert.ok(a.equal(b));
  assert.ok(!a.equal(c), 'the positional attn_mask changed nothing');
  const layer = new nn.TransformerEncoderLayer(4, 2, 8, 0.0).eval();
  const lf = layer.call.bind(layer) as (...a: unknown[]) => torch.Tensor;
  assert.ok(lf(x, mask).equal(lf(x, { srcMask: mask })));
  assert.throws(() => lf(x, { src_mask: mask }), /PyTorch's 'src_mask' is 'srcMask' here/);
  assert.throws(() => lf(x, mask, null, 1), /takes at most 3 positional arguments/);
});

test('nn.init and nn.utils.clipGrad* take PyTorch\'s positional order', () => {
  const { nn } = torch;
  const w = torch.empty(64, 64);
  // kaiming_uniform_(w, a): the second argument is a (it was read as an options object and dropped)
  torch.manualSeed(1);
  nn.init.kaimingUniform_(w, Math.sqrt(5));
  const bound = 1 / Math.sqrt(64); // gain sqrt(2 / (1 + 5)) * sqrt(3 / fan_in)
  assert.ok(w.abs().max().item() <= bound + 1e-6 && w.abs().max().item() > bound * 0.9);
  torch.manualSeed(1);
  const v = torch.empty(64, 64);
  nn.init.kaimingUniform_(v, { a: Math.sqrt(5) });
  assert.ok(v.equal(w));
  assert.equal(nn.init.calculateGain('leaky_relu', 0.2), Math.sqrt(2 / (1 + 0.04)));
  assert.throws(() => (nn.init.xavierUniform_ as (...a: unknown[]) => unknown)(w, 1, 2), /takes at most 2 positional arguments/);
  const p = new nn.Parameter(torch.ones(3));
  p.grad = torch.tensor([3, 4, 0]);
  assert.ok(Math.abs(nn.utils.clipGradNorm_([p], 1, 2, false).item() - 5) < 1e-6);
  assert.throws(() => (nn.utils.clipGradNorm_ as (...a: unknown[]) => unknown)([p], 1, { foreach: true }), /unexpected keyword argument 'foreach'/);
});

test('torchvision.ops box functions take torchvision\'s positional order and refuse extra arguments', () => {
  const ops = vision.ops;
  const b = torch.tensor([[0, 0, 2, 2], [1, 1, 3, 3]]);
  assert.deepEqual([...ops.nms(b, torch.tensor([0.9, 0.8]), 0.1).dataSync()].map(Number), [0]);
  assert.throws(() => (ops.nms as (...a: unknown[]) => unknown)(b, torch.tensor([0.9, 0.8]), 0.1, 5), /nms\(\) takes at most 3 positional arguments/);
  assert.throws(() => (ops.boxConvert as (...a: unknown[]) => unknown)(b, { in_fmt: 'xyxy', outFmt: 'cxcywh' }), /PyTorch's 'in_fmt' is 'inFmt' here/);
  assert.ok(ops.boxConvert(b, 'xyxy', 'xywh').equal((ops.boxConvert as (...a: unknown[]) => torch.Tensor)(b, { inFmt: 'xyxy', outFmt: 'xywh' })));
});

test('torchvision.utils drawing functions take torchvision\'s positional order', () => {
  const { utils } = vision;
  const img = torch.zeros([3, 8, 8], { dtype: 'uint8' });
  const boxes = torch.tensor([[1, 1, 6, 6]]);
  // draw_bounding_boxes(image, boxes, labels, colors, fill, width)
  const a = utils.drawBoundingBoxes(img, boxes, undefined, 'red', false, 2);
  assert.ok(a.equal(utils.drawBoundingBoxes(img, boxes, { colors: 'red', width: 2 })));
  assert.ok(!a.equal(utils.drawBoundingBoxes(img, boxes, { colors: 'red', width: 1 })));
  assert.throws(() => utils.drawBoundingBoxes(img, boxes, { font_size: 3 } as never), /PyTorch's 'font_size' is 'fontSize' here/);
  assert.throws(() => (utils.flowToImage as (...a: unknown[]) => unknown)(torch.zeros(2, 2, 2), 1), /takes at most 1 positional argument/);
});

test('the classes, RoI functions and collectives bound by the whole-package walk take PyTorch\'s positional order', async () => {
  const { ops } = vision;
  // RoIAlign(output_size, spatial_scale, sampling_ratio, aligned) and roi_align(input, boxes, output_size, ...)
  const align = new ops.RoIAlign(2, 0.5, 2, true);
  assert.deepEqual([align.outputSize, align.spatialScale, align.samplingRatio, align.aligned], [2, 0.5, 2, true]);
  assert.throws(() => new (ops.RoIAlign as unknown as new (...a: unknown[]) => unknown)(2, 0.5, 2, true, 1), /RoIAlign\(\) takes at most 4 positional arguments/);
  const x = torch.arange(2 * 6 * 6, { dtype: 'float32' }).reshape(1, 2, 6, 6);
  const boxes = torch.tensor([[0, 0, 0, 4, 4], [0, 1, 1, 5, 3]]);
  const positional = ops.roiAlign(x, boxes, 2, 0.5, 2, true);
  assert.ok(positional.equal(ops.roiAlign(x, boxes, 2, { spatialScale: 0.5, samplingRatio: 2, aligned: true })));
  assert.ok(positional.equal(align.call(x, boxes)));
  assert.ok(!positional.equal(ops.roiAlign(x, boxes, 2)), 'the positional spatial scale changed nothing');
  assert.throws(() => ops.roiAlign(x, boxes, 2, { spatial_scale: 0.5 } as never), /PyTorch's 'spatial_scale' is 'spatialScale' here/);
  // ps_roi_pool(input, boxes, output_size, spatial_scale): one more is refused, not dropped
  assert.throws(() => (ops.psRoiPool as (...a: unknown[]) => unknown)(x, boxes, 1, 1, 7), /psRoiPool\(\) takes at most 4 positional arguments/);
  assert.equal(new ops.MultiScaleRoIAlign(['0'], 7, 2).samplingRatio, 2);
  // MultiScaleRoIAlign's canonical_scale is keyword-only in torchvision 0.14
  assert.throws(() => new (ops.MultiScaleRoIAlign as unknown as new (...a: unknown[]) => unknown)(['0'], 7, 2, 224), /takes at most 3 positional arguments.*'canonicalScale'/);
  // DeformConv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias)
  const dc = new ops.DeformConv2d(2, 4, 3, 1, 1, 1, 1, false);
  assert.equal(dc.bias, null);
  assert.deepEqual([...dc.weight.shape], [4, 2, 3, 3]);
  // AnchorGenerator(sizes, aspect_ratios)
  const { detection } = vision.models;
  const gen = new detection.AnchorGenerator([[16]], [[0.5, 1, 2]]);
  assert.equal(gen.numAnchorsPerLocation()[0], 3);
  assert.throws(() => new (detection.AnchorGenerator as unknown as new (...a: unknown[]) => unknown)([[16]], [[1]], 3), /AnchorGenerator\(\) takes at most 2 positional arguments/);
  // a model class: ResNet(block, layers, num_classes, zero_init_residual, ...)
  const net = new vision.models.ResNet(vision.models.BasicBlock, [1, 1, 1, 1], 7 as never);
  assert.equal(net.fc.outFeatures, 7);
  // dist.all_reduce(tensor, op, group, async_op): the op given positionally is used
  const dist = torch.distributed;
  assert.deepEqual(signatureOf(dist.allReduce)?.positional, ['tensor', 'op', 'group', 'asyncOp']);
  assert.throws(() => (dist.allReduce as (...a: unknown[]) => unknown)(torch.ones(1), 'sum', null, false, 1), /allReduce\(\) takes at most 4 positional arguments/);
  if (dist.isAvailable()) {
    const store = new dist.HashStore();
    await dist.initProcessGroup({ backend: 'gloo', store, rank: 0, worldSize: 1, timeout: 10_000 });
    try {
      const t = torch.tensor([1, 2]);
      assert.throws(() => dist.allReduce(t, 'mean'), /unknown reduce op "mean"/);
      dist.allReduce(t, 'max');
      assert.deepEqual(t.toArray(), [1, 2]);
    } finally {
      dist.destroyProcessGroup();
    }
  }
});

test('a module called with a positional argument its forward() has no parameter for is a TypeError, as in Python', () => {
  const x = torch.zeros([1, 2]);
  const lin = new torch.nn.Linear(2, 3);
  assert.throws(() => lin.call(x, 5), /^TypeError: Linear\.forward\(\) takes 1 positional argument but 2 were given/);
  const rois = torch.tensor([[0, 0, 0, 2, 2]]);
  const roi = new vision.ops.RoIAlign(2, 1, 2);
  assert.throws(() => roi.call(torch.zeros([1, 1, 4, 4]), rois, 3), /RoIAlign\.forward\(\) takes 2 positional arguments but 3 were given/);
  assert.deepEqual([...roi.call(torch.zeros([1, 1, 4, 4]), rois).shape], [1, 1, 2, 2]);
  // optional parameters count; a rest parameter or a bound forward (withArgs) takes what its signature says
  class Scaled extends torch.nn.Module {
    override forward(a: torch.Tensor, scale = 2, opts: { shift?: number } = {}): torch.Tensor { return a.mul(scale).add(opts.shift ?? 0); }
  }
  assert.deepEqual(new Scaled().call(torch.ones([1]), 3, { shift: 1 }).toArray(), [4]);
  assert.throws(() => new Scaled().call(torch.ones([1]), 3, {}, 4), /Scaled\.forward\(\) takes 3 positional arguments but 4 were given/);
  const seq = new torch.nn.Sequential(lin);
  assert.throws(() => seq.call(x, x), /Sequential\.forward\(\) takes 1 positional argument but 2 were given/);
  const mha = new torch.nn.MultiheadAttention(4, 2);
  const q = torch.zeros([3, 1, 4]);
  assert.throws(() => (mha.call as (...a: unknown[]) => unknown)(q, q, q, null, true, null, true, false, 1), /TypeError/);
});
