// torchvision's EMNIST (six splits of the NIST letters and digits, from one zip of IDX files) and QMNIST (the
// reconstructed MNIST with its extended labels: SN3 "Pascal Vincent" files, int32 labels of 8 columns).
import { classArgs, withArgs, type PyRest } from '../../args.js';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createImage } from '../io/image.js';
import { FileSource } from '../../serialization/byte-source.js';
import { ZipReader } from '../../serialization/zip.js';
import { VisionDataset, datasetOptions, type VisionDatasetOptions } from './vision-dataset.js';
import { downloadSync, runJob, type DownloadJob } from './download.js';
import { readIdx } from './mnist.js';

export interface DownloadableOptions {
  /** Download the files when missing (md5-checked; skipped when present). */
  download?: boolean;
  /** Other URLs (or folder URLs ending in '/') to try first. */
  mirrors?: string[];
  /** Overrides of the expected md5 by file name (null skips the check). */
  md5?: Record<string, string | null>;
  progress?: boolean;
}

const DIGITS = '0123456789'.split('');
const LOWER = 'abcdefghijklmnopqrstuvwxyz'.split('');
const UPPER = LOWER.map((c) => c.toUpperCase());
const MERGED = new Set(['c', 'i', 'j', 'k', 'l', 'm', 'o', 'p', 's', 'u', 'v', 'w', 'x', 'y', 'z']);
// Python's sorted() over str: digits, then upper case, then lower case
const ALL = [...DIGITS, ...UPPER, ...LOWER];

export type EMNISTSplit = 'byclass' | 'bymerge' | 'balanced' | 'letters' | 'digits' | 'mnist';
const EMNIST_CLASSES: Record<EMNISTSplit, string[]> = {
  byclass: ALL,
  bymerge: ALL.filter((c) => !MERGED.has(c)),
  balanced: ALL.filter((c) => !MERGED.has(c)),
  letters: ['N/A', ...LOWER],
  digits: DIGITS,
  mnist: DIGITS,
};

export interface EMNISTOptions extends VisionDatasetOptions, DownloadableOptions {
  split: EMNISTSplit;
  train?: boolean;
}

const EMNIST_URL = 'https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/gzip.zip';
const EMNIST_MD5 = '58c8d27c78d21e728a6bc7b3cc06412e';

function urlsFor(file: string, defaultUrl: string, mirrors: readonly string[] | undefined): string[] {
  return [...(mirrors ?? []).map((m) => (m.endsWith('/') ? m + file : m)), defaultUrl];
}

function writeAtomic(path: string, data: Uint8Array): void {
  const tmp = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** torchvision's EMNIST.download after the zip arrived: its gzip/*.gz members, decompressed into raw/. */
function extractEmnist(raw: string): void {
  const zipPath = join(raw, 'gzip.zip');
  const source = new FileSource(zipPath);
  try {
    extractEmnistMembers(new ZipReader(source), raw, zipPath);
  } finally {
    source.close();
  }
}

function extractEmnistMembers(zip: ZipReader, raw: string, zipPath: string): void {
  for (const name of zip.entries.keys()) {
    if (!name.endsWith('.gz')) continue;
    const out = join(raw, basename(name).replace(/\.gz$/, ''));
    if (existsSync(out)) continue;
    let data: Uint8Array;
    try {
      data = gunzipSync(zip.read(name));
    } catch (e) {
      throw new Error(`EMNIST: ${zipPath}: member ${name} is not a valid gzip file (${(e as Error).message})`);
    }
    writeAtomic(out, data);
  }
}

/** EMNIST: handwritten letters and digits in six splits (byclass 62 classes ... mnist 10), 28x28 'L' images. */
export class EMNIST extends VisionDataset<any, any> {
  readonly split: EMNISTSplit;
  readonly train: boolean;
  readonly rawFolder: string;
  readonly classes: string[];
  readonly data: Uint8Array;
  readonly targets: number[];
  private readonly rows: number;
  private readonly cols: number;

  static readonly splits: readonly EMNISTSplit[] = ['byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist'];

  /** torchvision's order (root, split), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<EMNISTOptions, ['split']>);
  constructor(opts: EMNISTOptions);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<EMNISTOptions>(EMNIST, args);
    super(opts);
    if (!EMNIST.splits.includes(opts.split)) {
      throw new RangeError(`Unknown value '${String(opts.split)}' for argument split. Valid values are {${EMNIST.splits.map((s) => `'${s}'`).join(', ')}}.`);
    }
    this.split = opts.split;
    this.train = opts.train ?? true;
    this.rawFolder = join(opts.root, 'EMNIST', 'raw');
    const prefix = `emnist-${this.split}-${this.train ? 'train' : 'test'}`;
    const images = join(this.rawFolder, `${prefix}-images-idx3-ubyte`);
    const labels = join(this.rawFolder, `${prefix}-labels-idx1-ubyte`);
    if (!(existsSync(images) && existsSync(labels))) {
      if (!opts.download) throw new Error(`EMNIST: dataset not found: no ${prefix} IDX files in ${this.rawFolder}; pass download: true to fetch it`);
      downloadSync(EMNIST.job(opts, this.rawFolder));
      extractEmnist(this.rawFolder);
    }
    const im = readIdx(images, 3);
    const lb = readIdx(labels, 1);
    if (im.dims[0] !== lb.dims[0]) throw new Error(`EMNIST: ${im.dims[0]} images but ${lb.dims[0]} labels in ${this.rawFolder}`);
    this.data = im.data;
    this.rows = im.dims[1]!;
    this.cols = im.dims[2]!;
    this.targets = Array.from(lb.data);
    this.classes = EMNIST_CLASSES[this.split];
  }

  private static job(opts: EMNISTOptions, raw: string): DownloadJob {
    mkdirSync(raw, { recursive: true });
    return {
      kind: 'files', progress: opts.progress,
      files: [{ urls: urlsFor('gzip.zip', EMNIST_URL, opts.mirrors), dest: join(raw, 'gzip.zip'), md5: opts.md5?.['gzip.zip'] !== undefined ? opts.md5['gzip.zip']! : EMNIST_MD5 }],
    };
  }

  /** Downloads asynchronously (when missing), then builds the data set. */
  static async create(opts: EMNISTOptions): Promise<EMNIST> {
    const raw = join(opts.root, 'EMNIST', 'raw');
    const prefix = `emnist-${opts.split}-${(opts.train ?? true) ? 'train' : 'test'}`;
    if (opts.download && !existsSync(join(raw, `${prefix}-images-idx3-ubyte`))) {
      await runJob(EMNIST.job(opts, raw));
      extractEmnist(raw);
    }
    return new EMNIST({ ...opts, download: false });
  }

  get length(): number { return this.targets.length; }

  get(index: number): [any, any] {
    const n = this.targets.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`EMNIST: index ${index} is out of range for ${n} images`);
    const i = index < 0 ? index + n : index;
    const size = this.rows * this.cols;
    return this.sample(createImage(this.cols, this.rows, 1, this.data.subarray(i * size, (i + 1) * size)), this.targets[i]!);
  }

  protected override extraRepr(): string[] { return [`Split: ${this.train ? 'Train' : 'Test'}`]; }
}

/** An SN3 ("Pascal Vincent") file: big-endian dimensions and data of type 0x08 (uint8) or 0x0C (int32). */
function readSn3Impl(path: string): { dims: number[]; type: number; data: Uint8Array | Int32Array } {
  let buf: Buffer = readFileSync(path);
  if (path.endsWith('.gz')) buf = gunzipSync(buf);
  if (buf.length < 4) throw new Error(`${path}: not an SN3/IDX file (too short)`);
  const magic = buf.readUInt32BE(0);
  const nd = magic % 256, type = Math.floor(magic / 256);
  if (nd < 1 || nd > 3 || (type !== 0x08 && type !== 0x0c)) throw new Error(`${path}: unsupported SN3 header (type 0x${type.toString(16)}, ${nd} dimensions)`);
  if (buf.length < 4 + 4 * nd) throw new Error(`${path}: truncated header`);
  const dims = Array.from({ length: nd }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * nd;
  const bytes = type === 0x08 ? 1 : 4;
  if (buf.length - start !== n * bytes) throw new Error(`${path} is truncated or corrupt: [${dims.join(', ')}] needs ${n * bytes} bytes of data, the file has ${buf.length - start}`);
  if (type === 0x08) return { dims, type, data: new Uint8Array(buf.buffer, buf.byteOffset + start, n) };
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readInt32BE(start + 4 * i);
  return { dims, type, data: out };
}

export type QMNISTWhat = 'train' | 'test' | 'test10k' | 'test50k' | 'nist';
const QMNIST_SUBSET: Record<QMNISTWhat, 'train' | 'test' | 'nist'> = { train: 'train', test: 'test', test10k: 'test', test50k: 'test', nist: 'nist' };
const QMNIST_BASE = 'https://raw.githubusercontent.com/facebookresearch/qmnist/master/';
const QMNIST_FILES: Record<'train' | 'test' | 'nist', [string, string][]> = {
  train: [['qmnist-train-images-idx3-ubyte.gz', 'ed72d4157d28c017586c42bc6afe6370'], ['qmnist-train-labels-idx2-int.gz', '0058f8dd561b90ffdd0f734c6a30e5e4']],
  test: [['qmnist-test-images-idx3-ubyte.gz', '1394631089c404de565df7b7aeaf9412'], ['qmnist-test-labels-idx2-int.gz', '5b5b05890a5e13444e108efe57b788aa']],
  nist: [['xnist-images-idx3-ubyte.xz', '7f124b3b8ab81486c9d8c2749c17f834'], ['xnist-labels-idx2-int.xz', '5ed0e788978e45d4a8bd4b7caec3d79d']],
};

export interface QMNISTOptions extends VisionDatasetOptions, DownloadableOptions {
  /** 'train', 'test' (60k), 'test10k' (MNIST's test digits), 'test50k' (the rest) or 'nist' (default from train). */
  what?: QMNISTWhat;
  /** Targets as the class number (default) or the 8 QMNIST label columns. */
  compat?: boolean;
  train?: boolean;
}

/**
 * QMNIST: MNIST reconstructed from NIST with 60,000 more test digits and extended labels (class, NIST writer and
 * digit index...). The labels are big-endian int32; torchvision 0.14 reads them in the wrong byte order (fixed in
 * 0.15), this reads them right.
 */
export class QMNIST extends VisionDataset<any, any> {
  readonly what: QMNISTWhat;
  readonly compat: boolean;
  readonly rawFolder: string;
  readonly classes = ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine'];
  readonly data: Uint8Array;
  /** [N, 8] label columns. */
  readonly labels: Int32Array;
  private readonly offset: number;
  private readonly count: number;
  private readonly rows: number;
  private readonly cols: number;

  /** torchvision's order (root, what, compat, train), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<QMNISTOptions, ['what', 'compat', 'train']>);
  constructor(opts: QMNISTOptions);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<QMNISTOptions>(QMNIST, args);
    super(opts);
    const what = opts.what ?? ((opts.train ?? true) ? 'train' : 'test');
    if (!(what in QMNIST_SUBSET)) throw new RangeError(`Unknown value '${String(what)}' for argument what. Valid values are {'train', 'test', 'test10k', 'test50k', 'nist'}.`);
    this.what = what;
    this.compat = opts.compat ?? true;
    this.rawFolder = join(opts.root, 'QMNIST', 'raw');
    const files = QMNIST_FILES[QMNIST_SUBSET[what]];
    if (files[0]![0].endsWith('.xz')) throw new Error("QMNIST: the 'nist' subset is xz-compressed, which Node cannot decompress; extract xnist-*.xz yourself into " + this.rawFolder);
    const paths = files.map(([f]) => join(this.rawFolder, f.replace(/\.(gz|xz)$/, '')));
    if (!paths.every((p) => existsSync(p) || existsSync(p + '.gz'))) {
      if (!opts.download) throw new Error(`QMNIST: dataset not found: no ${basename(paths[0]!)} in ${this.rawFolder}; pass download: true to fetch it`);
      downloadSync(QMNIST.job(opts, this.rawFolder, what));
    }
    const located = paths.map((p) => (existsSync(p) ? p : p + '.gz'));
    const images = readSn3(located[0]!);
    const targets = readSn3(located[1]!);
    if (images.type !== 0x08 || images.dims.length !== 3) throw new TypeError(`QMNIST: ${located[0]} should hold uint8 images [N, H, W]`);
    if (targets.type !== 0x0c || targets.dims.length !== 2) throw new TypeError(`QMNIST: ${located[1]} should hold int32 labels [N, 8]`);
    this.data = images.data as Uint8Array;
    this.labels = targets.data as Int32Array;
    this.rows = images.dims[1]!;
    this.cols = images.dims[2]!;
    const n = images.dims[0]!;
    if (targets.dims[0] !== n) throw new Error(`QMNIST: ${n} images but ${targets.dims[0]} labels`);
    [this.offset, this.count] = what === 'test10k' ? [0, Math.min(10000, n)] : what === 'test50k' ? [Math.min(10000, n), Math.max(n - 10000, 0)] : [0, n];
  }

  private static job(opts: QMNISTOptions, raw: string, what: QMNISTWhat): DownloadJob {
    mkdirSync(raw, { recursive: true });
    return {
      kind: 'files', progress: opts.progress,
      files: QMNIST_FILES[QMNIST_SUBSET[what]].map(([f, md5]) => ({
        urls: urlsFor(f, QMNIST_BASE + f, opts.mirrors), dest: join(raw, f), md5: opts.md5?.[f] !== undefined ? opts.md5[f]! : md5,
      })),
    };
  }

  static async create(opts: QMNISTOptions): Promise<QMNIST> {
    const what = opts.what ?? ((opts.train ?? true) ? 'train' : 'test');
    const raw = join(opts.root, 'QMNIST', 'raw');
    if (opts.download && QMNIST_SUBSET[what] !== 'nist' && !existsSync(join(raw, QMNIST_FILES[QMNIST_SUBSET[what]][0]![0]))) await runJob(QMNIST.job(opts, raw, what));
    return new QMNIST({ ...opts, download: false });
  }

  get length(): number { return this.count; }

  /** The 8 label columns of sample i. */
  target(i: number): number[] { return Array.from(this.labels.subarray((this.offset + i) * 8, (this.offset + i + 1) * 8)); }

  get(index: number): [any, any] {
    const n = this.count;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`QMNIST: index ${index} is out of range for ${n} images`);
    const i = index < 0 ? index + n : index;
    const size = this.rows * this.cols;
    const j = this.offset + i;
    const t = this.target(i);
    return this.sample(createImage(this.cols, this.rows, 1, this.data.subarray(j * size, (j + 1) * size)), this.compat ? t[0]! : t);
  }

  protected override extraRepr(): string[] { return [`Split: ${this.what}`]; }
}
classArgs(EMNIST, 'torchvision.datasets.EMNIST', '; root, split, *, train, transform, targetTransform, download, mirrors, md5, progress');
classArgs(QMNIST, 'torchvision.datasets.QMNIST', '; root, what, compat, train, *, transform, targetTransform, download, mirrors, md5, progress');

// bound to their signatures (src/args.ts): an extra positional argument or an unknown option is a TypeError
export const readSn3 = withArgs('readSn3', 'torchvision.datasets.mnist.read_sn3_pascalvincent_tensor', 'path', readSn3Impl);
