// torchvision's CelebA: celeba/img_align_celeba/<file>.jpg with the annotation files list_eval_partition.txt,
// identity_CelebA.txt, list_bbox_celeba.txt, list_landmarks_align_celeba.txt and list_attr_celeba.txt (space-
// separated, with a count line and a header line where torchvision skips them); splits train/valid/test/all;
// targets 'attr' (40 values 0/1), 'identity', 'bbox', 'landmarks' as int64 tensors.
import { classArgs, type PyRest } from '../../args.js';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tensor } from '../../creation.js';
import { Tensor } from '../../tensor.js';
import { openImageSync } from '../io/decode.js';
import { FileSource } from '../../serialization/byte-source.js';
import { ZipReader } from '../../serialization/zip.js';
import { VisionDataset, datasetOptions, type VisionDatasetOptions } from './vision-dataset.js';
import { downloadSync, runJob, type DownloadJob } from './download.js';

export type CelebATarget = 'attr' | 'identity' | 'bbox' | 'landmarks';

export interface CelebAOptions extends VisionDatasetOptions {
  split?: 'train' | 'valid' | 'test' | 'all';
  targetType?: CelebATarget | CelebATarget[];
  /** Download the six files from Google Drive (md5-checked) and extract the images when missing. */
  download?: boolean;
  /** Base URLs (ending in '/') holding the files by name, tried before Google Drive. */
  mirrors?: string[];
  md5?: Record<string, string | null>;
  progress?: boolean;
}

const FILES: [string, string, string][] = [
  ['0B7EVK8r0v71pZjFTYXZWM3FlRnM', '00d2c5bc6d35e252742224ab0c1e8fcb', 'img_align_celeba.zip'],
  ['0B7EVK8r0v71pblRyaVFSWGxPY0U', '75e246fa4810816ffd6ee81facbd244c', 'list_attr_celeba.txt'],
  ['1_ee_0u7vcNLOfNLegJRHmolfH5ICW-XS', '32bd1bd63d3c78cd57e08160ec5ed1e2', 'identity_CelebA.txt'],
  ['0B7EVK8r0v71pbThiMVRxWXZ4dU0', '00566efa6fedff7a56946cd1c10f1c16', 'list_bbox_celeba.txt'],
  ['0B7EVK8r0v71pd0FJY3Blby1HUTQ', 'cc24ecafdb5b50baae59b03474781f8c', 'list_landmarks_align_celeba.txt'],
  ['0B7EVK8r0v71pY0NSMzRuSXJEVkk', 'd32c9cbf5e040fd4025c592c306e6668', 'list_eval_partition.txt'],
];

interface Table { header: string[]; index: string[]; rows: number[][] }

/**
 * torchvision's _load_csv (csv.reader with delimiter ' ' and skipinitialspace): runs of spaces separate fields,
 * a trailing space makes an empty last field (the attribute file's header has one); `header` names the header line.
 */
function loadTable(path: string, header: number | null = null): Table {
  if (!existsSync(path)) throw new Error(`CelebA: missing annotation file ${path}`);
  let lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l !== '').map((l) => l.split(/ +/));
  let head: string[] = [];
  if (header !== null) {
    head = lines[header] ?? [];
    lines = lines.slice(header + 1);
  }
  const rows = lines.map((r, i) => r.slice(1).map((v) => {
    if (!/^-?\d+$/.test(v)) throw new Error(`CelebA: ${path} row ${i + 1}: '${v}' is not an integer`);
    return Number(v);
  }));
  return { header: head, index: lines.map((r) => r[0]!), rows };
}

function extractImages(dir: string): void {
  const source = new FileSource(join(dir, 'img_align_celeba.zip'));
  try {
    const zip = new ZipReader(source);
    for (const name of zip.entries.keys()) {
      if (name.endsWith('/')) continue;
      if (name.split('/').includes('..') || name.startsWith('/')) throw new Error(`CelebA: the zip holds an unsafe path '${name}'`);
      const out = join(dir, name);
      if (existsSync(out)) continue;
      mkdirSync(dirname(out), { recursive: true });
      const tmp = `${out}.partial-${process.pid}`;
      try {
        writeFileSync(tmp, zip.read(name));
        renameSync(tmp, out);
      } finally {
        rmSync(tmp, { force: true });
      }
    }
  } finally {
    source.close();
  }
}

export class CelebA extends VisionDataset<any, any> {
  readonly split: 'train' | 'valid' | 'test' | 'all';
  readonly targetType: CelebATarget[];
  readonly filename: string[];
  /** [N, 40] in 0/1 (the file's -1/1 mapped as torchvision does). */
  readonly attr: Tensor;
  readonly identity: Tensor;
  readonly bbox: Tensor;
  readonly landmarksAlign: Tensor;
  readonly attrNames: string[];
  private readonly folder: string;

  /** torchvision's order (root, split, targetType, transform, targetTransform, download), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<CelebAOptions, ['split', 'targetType', 'transform', 'targetTransform', 'download']>);
  constructor(opts: CelebAOptions);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<CelebAOptions>(CelebA, args);
    super(opts);
    const split = (opts.split ?? 'train').toLowerCase() as CelebAOptions['split'];
    const splitIds: Record<string, number | null> = { train: 0, valid: 1, test: 2, all: null };
    if (!(split! in splitIds)) throw new RangeError(`Unknown value '${String(opts.split)}' for argument split. Valid values are {'train', 'valid', 'test', 'all'}.`);
    this.split = split!;
    const types = opts.targetType === undefined ? ['attr'] : typeof opts.targetType === 'string' ? [opts.targetType] : [...opts.targetType];
    for (const t of types) if (!['attr', 'identity', 'bbox', 'landmarks'].includes(t)) throw new RangeError(`Target type "${String(t)}" is not recognized.`);
    if (types.length === 0 && opts.targetTransform) throw new Error('target_transform is specified but target_type is empty');
    this.targetType = types as CelebATarget[];
    this.folder = join(opts.root, 'celeba');
    const present = (): boolean => FILES.filter(([, , f]) => !f.endsWith('.zip')).every(([, , f]) => existsSync(join(this.folder, f)))
      && existsSync(join(this.folder, 'img_align_celeba')) && statSync(join(this.folder, 'img_align_celeba')).isDirectory();
    if (!present()) {
      if (!opts.download) throw new Error(`CelebA: dataset not found or corrupted in ${this.folder}; pass download: true to fetch it`);
      downloadSync(CelebA.job(opts));
      extractImages(this.folder);
    }
    const splits = loadTable(join(this.folder, 'list_eval_partition.txt'));
    const identity = loadTable(join(this.folder, 'identity_CelebA.txt'));
    const bbox = loadTable(join(this.folder, 'list_bbox_celeba.txt'), 1);
    const landmarks = loadTable(join(this.folder, 'list_landmarks_align_celeba.txt'), 1);
    const attr = loadTable(join(this.folder, 'list_attr_celeba.txt'), 1);
    const want = splitIds[this.split]!;
    const keep = splits.rows.map((r, i) => (want === null || r[0] === want ? i : -1)).filter((i) => i >= 0);
    const n = splits.rows.length;
    for (const [name, t] of [['identity', identity], ['bbox', bbox], ['landmarks', landmarks], ['attr', attr]] as const) {
      if (t.rows.length !== n) throw new Error(`CelebA: ${name} has ${t.rows.length} rows, list_eval_partition.txt ${n}`);
    }
    const pick = (t: Table, f: (v: number) => number = (v) => v): Tensor => tensor(keep.map((i) => t.rows[i]!.map((v) => BigInt(f(v)))), { dtype: 'int64' });
    this.filename = keep.map((i) => splits.index[i]!);
    this.identity = pick(identity);
    this.bbox = pick(bbox);
    this.landmarksAlign = pick(landmarks);
    // torch.div(attr + 1, 2, rounding_mode='floor'): -1 -> 0, 1 -> 1
    this.attr = pick(attr, (v) => Math.floor((v + 1) / 2));
    this.attrNames = attr.header;
  }

  private static job(opts: CelebAOptions): DownloadJob {
    const folder = join(opts.root, 'celeba');
    mkdirSync(folder, { recursive: true });
    return {
      kind: 'files', progress: opts.progress,
      files: FILES.map(([id, md5, f]) => ({
        urls: [...(opts.mirrors ?? []).map((m) => m + f), `https://drive.google.com/uc?export=download&confirm=t&id=${id}`],
        dest: join(folder, f), md5: opts.md5?.[f] !== undefined ? opts.md5[f]! : md5,
      })),
    };
  }

  /** Downloads asynchronously (when missing), extracts the images, then builds the data set. */
  static async create(opts: CelebAOptions): Promise<CelebA> {
    const folder = join(opts.root, 'celeba');
    if (opts.download && !existsSync(join(folder, 'img_align_celeba'))) {
      await runJob(CelebA.job(opts));
      extractImages(folder);
    }
    return new CelebA({ ...opts, download: false });
  }

  get length(): number { return this.filename.length; }

  get(index: number): [any, any] {
    const n = this.filename.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`CelebA: index ${index} is out of range for ${n} images`);
    const i = index < 0 ? index + n : index;
    const img = openImageSync(join(this.folder, 'img_align_celeba', this.filename[i]!), { mode: 'unchanged' });
    const targets = this.targetType.map((t) => (t === 'attr' ? this.attr.select(0, i) : t === 'identity' ? this.identity.select(0, i).select(0, 0)
      : t === 'bbox' ? this.bbox.select(0, i) : this.landmarksAlign.select(0, i)));
    return this.sample(img, targets.length === 0 ? null : targets.length === 1 ? targets[0] : targets);
  }

  protected override extraRepr(): string[] { return [`Target type: [${this.targetType.map((t) => `'${t}'`).join(', ')}]`, `Split: ${this.split}`]; }
}
classArgs(CelebA, 'torchvision.datasets.CelebA', '; root, split, targetType, transform, targetTransform, download, *, mirrors, md5, progress');
