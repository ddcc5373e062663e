// MNIST and Fashion-MNIST from their IDX files (root/<Name>/raw/*-idx?-ubyte, or the .gz files as
// downloaded). Images come out as 28x28 grayscale images ('L', one channel) sharing the dataset's memory.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createImage } from '../io/image.js';
import { VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';
import { classArgs, type PyRest } from '../../args.js';
import { datasetOptions } from './vision-dataset.js';
import { downloadSync, runJob, type DownloadJob } from './download.js';

export interface MNISTOptions extends VisionDatasetOptions {
  train?: boolean;
  /** Download the four .gz files when missing (skipped when present). */
  download?: boolean;
  /** Other mirrors (folder URLs ending in '/') to try first. */
  mirrors?: string[];
  /** Overrides of the md5 of each .gz file by name (null entries skip the check). */
  md5?: Record<string, string | null>;
  progress?: boolean;
}

interface Resources { name: string; mirrors: string[]; files: [string, string][]; classes: string[] }

/** The contents of an IDX file of unsigned bytes (type 0x08): its dimensions and data. */
export function readIdx(path: string, expectedDims: number): { dims: number[]; data: Uint8Array } {
  let buf: Buffer = readFileSync(path);
  if (path.endsWith('.gz')) {
    try { buf = gunzipSync(buf); } catch (e) { throw new Error(`${path}: not a valid gzip file (${(e as Error).message})`); }
  }
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw new Error(`${path}: not an IDX file (bad magic number)`);
  if (buf[2] !== 0x08) throw new Error(`${path}: IDX element type 0x${buf[2]!.toString(16)} is not unsigned bytes (0x08)`);
  const nd = buf[3]!;
  if (nd !== expectedDims) throw new Error(`${path}: expected ${expectedDims} dimensions, the file has ${nd}`);
  if (buf.length < 4 + 4 * nd) throw new Error(`${path}: truncated IDX header`);
  const dims = Array.from({ length: nd }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * nd;
  if (buf.length - start !== n) {
    throw new Error(`${path} is truncated or corrupt: dimensions [${dims.join(', ')}] need ${n} bytes of data, the file has ${buf.length - start}`);
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + start, n) };
}

abstract class MNISTBase extends VisionDataset<any, any> {
  readonly train: boolean;
  /** The folder the IDX files were read from. */
  readonly rawFolder: string;
  /** All images, N x 28 x 28 bytes. */
  readonly data: Uint8Array;
  readonly targets: number[];
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  private readonly rows: number;
  private readonly cols: number;

  protected abstract resources(): Resources;

  constructor(opts: MNISTOptions) {
    super(opts);
    const R = this.resources();
    this.train = opts.train ?? true;
    if (opts.download && findRaw(opts.root, R, true) === null) {
      const raw = join(opts.root, R.name, 'raw');
      downloadSync(downloadJob(opts, R, raw));
      gunzipAll(raw, R);
    }
    const folder = findRaw(opts.root, R);
    if (folder === null) {
      throw new Error(`${R.name}: dataset not found: no ${R.name} IDX files in ${join(opts.root, R.name, 'raw')} (nor in ${opts.root})`
        + `${opts.download ? '' : '; pass download: true to fetch it'}`);
    }
    this.rawFolder = folder;
    const prefix = this.train ? 'train' : 't10k';
    const images = readIdx(locate(folder, `${prefix}-images-idx3-ubyte`, R.name), 3);
    const labels = readIdx(locate(folder, `${prefix}-labels-idx1-ubyte`, R.name), 1);
    if (images.dims[0] !== labels.dims[0]) {
      throw new Error(`${R.name}: ${images.dims[0]} images but ${labels.dims[0]} labels in ${folder}`);
    }
    this.data = images.data;
    this.rows = images.dims[1]!;
    this.cols = images.dims[2]!;
    this.targets = Array.from(labels.data);
    this.classes = R.classes;
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }

  get length(): number { return this.targets.length; }

  get(index: number): [any, any] {
    const n = this.targets.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`${this.resources().name}: index ${index} is out of range for ${n} images`);
    const i = index < 0 ? index + n : index;
    const size = this.rows * this.cols;
    return this.sample(createImage(this.cols, this.rows, 1, this.data.subarray(i * size, (i + 1) * size)), this.targets[i]!);
  }

  protected override extraRepr(): string[] { return [`Split: ${this.train ? 'Train' : 'Test'}`]; }
}

/** The raw file, or its .gz. */
function locate(folder: string, name: string, what: string): string {
  const p = join(folder, name);
  if (existsSync(p)) return p;
  if (existsSync(p + '.gz')) return p + '.gz';
  throw new Error(`${what}: missing file ${p} (or ${basename(p)}.gz)`);
}

/** root/<Name>/raw, root/raw or root itself, whichever holds the files. */
function findRaw(root: string, R: Resources, complete = false): string | null {
  const present = (dir: string, f: string): boolean => existsSync(join(dir, f.replace(/\.gz$/, ''))) || existsSync(join(dir, f));
  for (const dir of [join(root, R.name, 'raw'), join(root, 'raw'), root]) {
    if (complete ? R.files.every(([f]) => present(dir, f)) : present(dir, R.files[0]![0])) return dir;
  }
  return null;
}

function downloadJob(opts: MNISTOptions, R: Resources, raw: string): DownloadJob {
  const mirrors = [...(opts.mirrors ?? []), ...R.mirrors];
  return {
    kind: 'files',
    progress: opts.progress,
    files: R.files.map(([file, md5]) => ({
      urls: mirrors.map((m) => m + file),
      dest: join(raw, file),
      md5: opts.md5 && file in opts.md5 ? opts.md5[file]! : md5,
    })),
  };
}

/** Decompresses each downloaded .gz next to itself (temporary name, then rename), as torchvision does. */
function gunzipAll(raw: string, R: Resources): void {
  for (const [file] of R.files) {
    const gz = join(raw, file);
    const out = join(raw, file.replace(/\.gz$/, ''));
    if (existsSync(out) || !existsSync(gz)) continue;
    const tmp = `${out}.partial-${process.pid}`;
    try {
      writeFileSync(tmp, gunzipSync(readFileSync(gz)));
      renameSync(tmp, out);
    } finally {
      rmSync(tmp, { force: true });
    }
  }
}

async function createAsync<T>(opts: MNISTOptions, R: Resources, make: (o: MNISTOptions) => T): Promise<T> {
  if (opts.download && findRaw(opts.root, R, true) === null) {
    const raw = join(opts.root, R.name, 'raw');
    await runJob(downloadJob(opts, R, raw));
    gunzipAll(raw, R);
  }
  return make({ ...opts, download: false });
}

const MNIST_RESOURCES: Resources = {
  name: 'MNIST',
  mirrors: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'],
  files: [
    ['train-images-idx3-ubyte.gz', 'f68b3c2dcbeaaa9fbdd348bbdeb94873'],
    ['train-labels-idx1-ubyte.gz', 'd53e105ee54ea40749a09fcbcd1e9432'],
    ['t10k-images-idx3-ubyte.gz', '9fb629c4189551a2d022fa330f9573f3'],
    ['t10k-labels-idx1-ubyte.gz', 'ec29112dd5afa0611ce80d1b7f02629c'],
  ],
  classes: ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine'],
};

const FASHION_RESOURCES: Resources = {
  name: 'FashionMNIST',
  mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
  files: [
    ['train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'],
    ['train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'],
    ['t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'],
    ['t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'],
  ],
  classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
};

/** MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grayscale. */
export class MNIST extends MNISTBase {
  static readonly resources: Resources = MNIST_RESOURCES;
  protected resources(): Resources { return MNIST_RESOURCES; }
  /** torchvision's order (root, train, transform, targetTransform, download), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<MNISTOptions, ['train', 'transform', 'targetTransform', 'download']>);
  constructor(opts: MNISTOptions);
  constructor(...args: unknown[]) { super(datasetOptions(MNIST, args)); }
  /** Downloads asynchronously (when missing), then builds the dataset. */
  static create(opts: MNISTOptions): Promise<MNIST> { return createAsync(opts, MNIST_RESOURCES, (o) => new MNIST(o)); }
}

/** Fashion-MNIST: Zalando's clothing images in MNIST's format. */
export class FashionMNIST extends MNISTBase {
  static readonly resources: Resources = FASHION_RESOURCES;
  protected resources(): Resources { return FASHION_RESOURCES; }
  constructor(root: string, ...rest: PyRest<MNISTOptions, ['train', 'transform', 'targetTransform', 'download']>);
  constructor(opts: MNISTOptions);
  constructor(...args: unknown[]) { super(datasetOptions(FashionMNIST, args)); }
  static create(opts: MNISTOptions): Promise<FashionMNIST> { return createAsync(opts, FASHION_RESOURCES, (o) => new FashionMNIST(o)); }
}

const KMNIST_RESOURCES: Resources = {
  name: 'KMNIST',
  mirrors: ['http://codh.rois.ac.jp/kmnist/dataset/kmnist/'],
  files: [
    ['train-images-idx3-ubyte.gz', 'bdb82020997e1d708af4cf47b453dcf7'],
    ['train-labels-idx1-ubyte.gz', 'e144d726b3acfaa3e44228e80efcd344'],
    ['t10k-images-idx3-ubyte.gz', '5c965bf0a639b31b8f53240b1b52f4d7'],
    ['t10k-labels-idx1-ubyte.gz', '7320c461ea6c1c855c0b718fb2a4b134'],
  ],
  classes: ['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo'],
};

/** Kuzushiji-MNIST: cursive Japanese characters (10 hiragana) in MNIST's format. */
export class KMNIST extends MNISTBase {
  static readonly resources: Resources = KMNIST_RESOURCES;
  protected resources(): Resources { return KMNIST_RESOURCES; }
  /** torchvision's order (root, train, transform, targetTransform, download), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<MNISTOptions, ['train', 'transform', 'targetTransform', 'download']>);
  constructor(opts: MNISTOptions);
  constructor(...args: unknown[]) { super(datasetOptions(KMNIST, args)); }
  static create(opts: MNISTOptions): Promise<KMNIST> { return createAsync(opts, KMNIST_RESOURCES, (o) => new KMNIST(o)); }
}

classArgs(MNIST, 'torchvision.datasets.MNIST', '; root, train, transform, targetTransform, download, *, mirrors, md5, progress');
classArgs(FashionMNIST, 'torchvision.datasets.FashionMNIST', '; root, train, transform, targetTransform, download, *, mirrors, md5, progress');
classArgs(KMNIST, 'torchvision.datasets.KMNIST', '; root, train, transform, targetTransform, download, *, mirrors, md5, progress');
