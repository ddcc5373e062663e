// Published weights: the generated table against torchvision's enums, the inference transforms against
// torchvision's presets, the registry, and the real download path (torch.hub cache layout, sha256 prefix check,
// temporary file, offline error) exercised against a local HTTP server serving a torchvision checkpoint.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import * as torch from '../src/index.js';
import * as models from '../src/vision/models/index.js';
import { WEIGHTS_DATA } from '../src/vision/models/weights-data.js';
import { runPython, assertClose } from './helpers/pytorch.js';

const dir = mkdtempSync(join(tmpdir(), 'tstorch-weights-'));
const serveDir = join(dir, 'serve');
const torchHome = join(dir, 'torch-home');
mkdirSync(serveDir);
const savedTorchHome = process.env.TORCH_HOME;
process.env.TORCH_HOME = torchHome;
after(() => {
  if (savedTorchHome === undefined) delete process.env.TORCH_HOME; else process.env.TORCH_HOME = savedTorchHome;
  rmSync(dir, { recursive: true, force: true });
});

torch.manualSeed(2);
const x = torch.randn([1, 3, 64, 64]);
const img = torch.randint(0, 256, [3, 300, 400], { dtype: 'uint8' });

// One Python run: a checkpoint named as torch.hub names them, its logits, the weights table, the presets' output.
const ref = runPython(String.raw`
import hashlib, shutil
from torchvision.models import get_model_weights
from torchvision.models._meta import _IMAGENET_CATEGORIES
torch.manual_seed(0)
m = torchvision.models.squeezenet1_1().eval()
tmp = os.path.join(J['dir'], 'tmp.pth')
torch.save(m.state_dict(), tmp)
h = hashlib.sha256(open(tmp, 'rb').read()).hexdigest()
name = 'squeezenet1_1-' + h[:8] + '.pth'
shutil.move(tmp, os.path.join(J['dir'], name))
with torch.no_grad():
    OUT['logits'] = m(T['x'])
table = {}
for n in [n for n in J['names'] if n in torchvision.models.list_models(module=torchvision.models)]:
    e = get_model_weights(n)
    table[n] = {'enum': e.__name__, 'default': e.DEFAULT._name_, 'members': [
        {'name': w._name_, 'url': w.url, 'numParams': w.meta['num_params'], 'metrics': json.loads(json.dumps(w.meta.get('_metrics')).replace('NaN', 'null')),
         'ncat': None if w.meta.get('categories') is None else len(w.meta['categories'])} for w in e]}
OUT['t_resnet50'] = torchvision.models.ResNet50_Weights.IMAGENET1K_V2.transforms()(T['img'])
OUT['t_inception'] = torchvision.models.Inception_V3_Weights.DEFAULT.transforms()(T['img'])
OUT_J = {'file': name, 'table': table, 'categories': _IMAGENET_CATEGORIES}
`, { tensors: { x, img }, json: { dir: serveDir, names: models.listModels() } });
const fileName: string = ref.json.file;

/** A child process serving serveDir (the builders download synchronously, so the server cannot live in this process). */
async function startServer(): Promise<{ port: number; proc: ChildProcess }> {
  const code = `
    const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
    const root = ${JSON.stringify(serveDir)};
    const srv = http.createServer((req, res) => {
      const f = path.join(root, path.basename(decodeURIComponent(req.url)));
      if (!fs.existsSync(f)) { res.statusCode = 404; return res.end('not found'); }
      res.setHeader('content-length', fs.statSync(f).size);
      fs.createReadStream(f).pipe(res);
    });
    srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));`;
  const proc = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = await once(proc.stdout!, 'data');
  return { port: Number(String(chunk).trim()), proc };
}

function localWeights(url: string): models.Weights {
  const raw = WEIGHTS_DATA.SqueezeNet1_1_Weights.entries.IMAGENET1K_V1;
  return new models.Weights('SqueezeNet1_1_Weights', 'LOCAL_TEST', { ...raw, url, fileName: url.split('/').pop()! });
}

test('download into $TORCH_HOME/hub/checkpoints, then load from the cache with the server gone', async () => {
  const { port, proc } = await startServer();
  try {
    const w = localWeights(`http://127.0.0.1:${port}/${fileName}`);
    const m = models.squeezenet1_1({ weights: w, progress: false });
    assertClose(torch.noGrad(() => m.eval().call(x)), ref.tensors.logits!, { atol: 0, rtol: 1e-5 });
    assert.ok(existsSync(join(torchHome, 'hub', 'checkpoints', fileName)));
    assert.deepEqual(readdirSync(join(torchHome, 'hub', 'checkpoints')), [fileName], 'no temporary file left');
  } finally {
    proc.kill();
  }
  const m2 = models.squeezenet1_1({ weights: localWeights(`http://127.0.0.1:${port}/${fileName}`) });
  assertClose(torch.noGrad(() => m2.eval().call(x)), ref.tensors.logits!, { atol: 0, rtol: 1e-5 });
});

test('a file whose sha256 does not start with the prefix in its name is rejected and not kept', async () => {
  const bad = 'squeezenet1_1-00000000.pth';
  copyFileSync(join(serveDir, fileName), join(serveDir, bad));
  const { port, proc } = await startServer();
  try {
    assert.throws(() => models.squeezenet1_1({ weights: localWeights(`http://127.0.0.1:${port}/${bad}`), progress: false }),
      /invalid hash value .*expected "00000000"/);
    await assert.rejects(models.downloadUrlToFile(`http://127.0.0.1:${port}/${bad}`, join(dir, 'x', bad), { progress: false, hashPrefix: '00000000' }), /invalid hash value/);
    await assert.rejects(models.downloadUrlToFile(`http://127.0.0.1:${port}/missing.pth`, join(dir, 'x', 'missing.pth'), { progress: false }), /HTTP 404/);
    // The async path of a published entry: Weights.download().
    const path = await localWeights(`http://127.0.0.1:${port}/${fileName}`).download({ progress: true, modelDir: join(dir, 'async') });
    assert.ok(existsSync(path));
  } finally {
    proc.kill();
  }
  assert.ok(!readdirSync(join(torchHome, 'hub', 'checkpoints')).includes(bad));
  assert.deepEqual(readdirSync(join(dir, 'x')), [], 'no partial files');
});

test('offline: the error names the URL and where to put the file by hand', () => {
  const url = 'http://127.0.0.1:9/squeezenet1_1-abcdef12.pth';
  assert.throws(() => models.squeezenet1_1({ weights: localWeights(url), progress: false }), (e: Error) => {
    assert.match(e.message, /could not download http:\/\/127\.0\.0\.1:9\/squeezenet1_1-abcdef12\.pth/);
    assert.ok(e.message.includes(join(torchHome, 'hub', 'checkpoints', 'squeezenet1_1-abcdef12.pth')), e.message);
    return true;
  });
  assert.throws(() => models.resnet18({ weights: '/nonexistent/dir/r.pth' }), /checkpoint file '\/nonexistent\/dir\/r.pth' does not exist/);
});

test('the weights table matches torchvision\'s enums for every registered model', () => {
  const table = ref.json.table as Record<string, { enum: string; default: string; members: any[] }>;
  assert.ok(Object.keys(table).length >= 40, 'the registry holds torchvision\'s classification models');
  for (const name of Object.keys(table)) {
    const e = models.getModelWeights(name);
    const t = table[name]!;
    assert.equal(e.enumName, t.enum);
    assert.equal(e.DEFAULT.name, t.default, `${name} DEFAULT`);
    assert.deepEqual(e.names(), t.members.map((m) => m.name));
    for (const m of t.members) {
      const w = e.get(m.name);
      assert.equal(w.url, m.url);
      assert.equal(w.meta.numParams, m.numParams);
      // NaN (VGG16's features-only weights) travels as null through JSON on both sides.
      assert.deepEqual(JSON.parse(JSON.stringify(w.meta.metrics)), m.metrics);
      assert.equal(w.meta.categories?.length ?? null, m.ncat);
    }
  }
  assert.deepEqual(models.IMAGENET_CLASSES, ref.json.categories);
  assert.equal(models.hashPrefix('resnet50-0676ba61.pth'), '0676ba61');
  assert.equal(String(models.ResNet50_Weights.IMAGENET1K_V2), 'ResNet50_Weights.IMAGENET1K_V2');
});

test('weights.transforms() gives torchvision\'s preprocessing', () => {
  const t1 = models.ResNet50_Weights.IMAGENET1K_V2.transforms();
  assert.deepEqual([t1.resizeSize, t1.cropSize, t1.interpolation], [[232], [224], 'bilinear']);
  assertClose(t1.call(img), ref.tensors.t_resnet50!, { atol: 1e-5, rtol: 0 });
  assertClose(models.Inception_V3_Weights.DEFAULT.transforms().call(img), ref.tensors.t_inception!, { atol: 1e-5, rtol: 0 });
  assert.match(String(t1), /ImageClassification\(\n {4}crop_size=\[224\]\n {4}resize_size=\[232\]/);
});

test('registry: listModels, getModel, getWeight, errors', () => {
  for (const n of ['alexnet', 'resnet50', 'densenet121', 'googlenet', 'inception_v3', 'squeezenet1_1', 'vgg19_bn', 'wide_resnet101_2']) {
    assert.ok(models.listModels().includes(n), n);
  }
  assert.deepEqual(models.listModels({ include: 'squeezenet*' }), ['squeezenet1_0', 'squeezenet1_1']);
  const m = models.getModel('resnet18', { numClasses: 3 });
  assert.ok(m instanceof models.ResNet);
  assert.equal(models.getWeight('ResNet50_Weights.IMAGENET1K_V2'), models.ResNet50_Weights.IMAGENET1K_V2);
  assert.equal(models.getModelWeights('resnet50'), models.ResNet50_Weights);
  assert.throws(() => models.getModel('resnet7'), /Unknown model resnet7; available models: .*alexnet/);
  assert.throws(() => models.registerModel('resnet18', models.resnet18), /already registered under the name 'resnet18'/);
});
