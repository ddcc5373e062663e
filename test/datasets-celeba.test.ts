// CelebA against torchvision 0.14 on a small folder made here in its layout: the annotation files in their
// formats (count lines, headers with a trailing space, runs of spaces, -1/1 attributes), every split and target
// type; and the download path (the six files md5-checked from a local mirror, the image zip extracted).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import * as datasets from '../src/vision/datasets/index.js';
import { runPython } from './helpers/pytorch.js';

const root = mkdtempSync(join(tmpdir(), 'tstorch-celeba-'));
let base = '';
const server: Server = createServer((req, res) => {
  const p = join(root, 'mirror', (req.url ?? '/').slice(1));
  if (!existsSync(p)) { res.writeHead(404); res.end(); return; }
  const body = readFileSync(p);
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
});
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => { server.close(); rmSync(root, { recursive: true, force: true }); });

const ref = runPython(`
from PIL import Image
import zipfile, shutil
from torchvision.datasets import CelebA
d = J + '/data/celeba'
os.makedirs(d + '/img_align_celeba')
rng = np.random.RandomState(3)
names = [f'{i:06d}.jpg' for i in range(1, 7)]
for n in names:
    Image.fromarray(rng.randint(0, 256, (20, 16, 3)).astype(np.uint8)).save(f'{d}/img_align_celeba/{n}', quality=90)
attrs = ['5_o_Clock_Shadow', 'Arched_Eyebrows', 'Bald', 'Young']
w = lambda f, s: open(f'{d}/{f}', 'w').write(s)
w('list_eval_partition.txt', ''.join(f'{n} {p}\\n' for n, p in zip(names, [0, 0, 1, 2, 1, 2])))
w('identity_CelebA.txt', ''.join(f'{n} {rng.randint(1, 9000)}\\n' for n in names))
w('list_bbox_celeba.txt', f'{len(names)}\\nimage_id x_1 y_1 width height\\n' + ''.join(f'{n}    {rng.randint(0, 300)}  {rng.randint(0, 300)} {rng.randint(10, 300)} {rng.randint(10, 300)}\\n' for n in names))
w('list_landmarks_align_celeba.txt', f'{len(names)}\\nlefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y\\n' + ''.join(n + ''.join(f'  {rng.randint(50, 150)}' for _ in range(10)) + '\\n' for n in names))
w('list_attr_celeba.txt', f'{len(names)}\\n' + ' '.join(attrs) + ' \\n' + ''.join(n + ' ' + ' '.join(f'{rng.choice([-1, 1]):2d}' for _ in attrs) + '\\n' for n in names))
CelebA._check_integrity = lambda self: True   # the md5s are the real files'
res = {}
for split in ('train', 'valid', 'test', 'all'):
    ds = CelebA(J + '/data', split=split, target_type=['attr', 'identity', 'bbox', 'landmarks'])
    res[split] = {'files': list(ds.filename), 'attr_names': ds.attr_names, 'repr': repr(ds)}
    for i in range(len(ds)):
        img, (a, ident, bb, lm) = ds[i]
        OUT[f'{split}:{i}'] = torch.from_numpy(np.array(img))
        OUT[f'{split}:{i}:attr'], OUT[f'{split}:{i}:id'], OUT[f'{split}:{i}:bbox'], OUT[f'{split}:{i}:lm'] = a, ident, bb, lm
# a mirror with the six files, the images zipped as CelebA ships them
m = J + '/mirror'
os.makedirs(m)
for f in os.listdir(d):
    if f.endswith('.txt'):
        shutil.copy(f'{d}/{f}', m)
with zipfile.ZipFile(m + '/img_align_celeba.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    for n in names:
        z.write(f'{d}/img_align_celeba/{n}', f'img_align_celeba/{n}')
OUT_J = res
`, { json: root });

test('CelebA reads every split and target type as torchvision does', () => {
  for (const split of ['train', 'valid', 'test', 'all'] as const) {
    const ds = new datasets.CelebA({ root: join(root, 'data'), split, targetType: ['attr', 'identity', 'bbox', 'landmarks'] });
    const want = ref.json[split];
    assert.deepEqual(ds.filename, want.files);
    assert.deepEqual(ds.attrNames, want.attr_names);
    for (let i = 0; i < ds.length; i++) {
      const [img, [a, id, bb, lm]] = ds.get(i) as [any, torch.Tensor[]];
      assert.ok(torch.fromBytes(img.data, [img.height, img.width, img.channels], 'uint8').eq(ref.tensors[`${split}:${i}`]!).all().item(), `${split} image ${i}`);
      for (const [t, k] of [[a, 'attr'], [id, 'id'], [bb, 'bbox'], [lm, 'lm']] as const) {
        assert.deepEqual(t!.toArray(), ref.tensors[`${split}:${i}:${k}`]!.toArray(), `${split} ${i} ${k}`);
      }
    }
  }
  const attrOnly = new datasets.CelebA({ root: join(root, 'data') });
  assert.deepEqual([...(attrOnly.get(0)[1] as torch.Tensor).shape], [4]);
  assert.throws(() => new datasets.CelebA({ root: join(root, 'data'), targetType: 'pose' as never }), /not recognized/);
  assert.throws(() => new datasets.CelebA({ root: join(root, 'data'), split: 'dev' as never }), /Valid values are/);
});

test('CelebA.create downloads the six files (md5-checked) and extracts the image zip', async () => {
  const md5 = (f: string): string => createHash('md5').update(readFileSync(join(root, 'mirror', f))).digest('hex');
  const files = ['img_align_celeba.zip', 'list_attr_celeba.txt', 'identity_CelebA.txt', 'list_bbox_celeba.txt', 'list_landmarks_align_celeba.txt', 'list_eval_partition.txt'];
  const sums = Object.fromEntries(files.map((f) => [f, md5(f)]));
  await assert.rejects(datasets.CelebA.create({ root: join(root, 'dl1'), download: true, mirrors: [`${base}/`], md5: { ...sums, 'identity_CelebA.txt': 'e'.repeat(32) }, progress: false }), /md5 mismatch/);
  const ds = await datasets.CelebA.create({ root: join(root, 'dl'), download: true, mirrors: [`${base}/`], md5: sums, progress: false, split: 'all' });
  assert.deepEqual(ds.filename, ref.json.all.files);
  assert.ok(existsSync(join(root, 'dl', 'celeba', 'img_align_celeba', '000006.jpg')));
});
