// CIFAR-10 and CIFAR-100 from the official binary version: records of label byte(s) and 3072 pixel bytes
// (1024 R, 1024 G, 1024 B, row-major 32x32). Images come out as 32x32 RGB images (HWC, sharing the
// dataset's memory), ready for vision.transforms.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createImage, type RGBImage } from '../io/image.js';
import { VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';
import { classArgs, type PyRest } from '../../args.js';
import { datasetOptions } from './vision-dataset.js';
import { downloadAndExtractArchive, downloadSync, type ArchiveJob } from './download.js';

export interface CIFAROptions extends VisionDatasetOptions {
  /** The training set (default) or the test set. */
  train?: boolean;
  /** Download and extract the official archive when the files are missing (skipped when present). */
  download?: boolean;
  /** Another address for the archive (a mirror, or a test server). */
  url?: string;
  /** The md5 of that archive (default: the official one); null skips the check. */
  md5?: string | null;
  /** A progress bar while downloading (default true). */
  progress?: boolean;
}

const PIXELS = 32 * 32;

interface Layout {
  name: string;
  baseFolder: string;
  url: string;
  filename: string;
  md5: string;
  trainFiles: string[];
  testFiles: string[];
  /** Label bytes before the pixels: CIFAR-100 has a coarse then a fine label. */
  labelBytes: number;
  metaFiles: string[];
}

abstract class CIFARBase extends VisionDataset<any, any> {
  readonly train: boolean;
  /** The folder the files were read from. */
  readonly folder: string;
  /** All images, HWC (N x 32 x 32 x 3), as torchvision's `data`. */
  readonly data: Uint8Array;
  readonly targets: number[];
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  protected readonly labels: Uint8Array[];

  protected abstract layout(): Layout;

  constructor(opts: CIFAROptions) {
    super(opts);
    const L = this.layout();
    this.train = opts.train ?? true;
    if (opts.download && findFolder(opts.root, L, true) === null) downloadSync({ kind: 'archive', job: archiveJob(opts, L) });
    const folder = findFolder(opts.root, L);
    if (folder === null) {
      throw new Error(`${L.name}: dataset folder not found: neither ${join(opts.root, L.baseFolder)} nor ${opts.root} holds the ${L.name} binary files`
        + `${opts.download ? '' : '; pass download: true to fetch it'}`);
    }
    this.folder = folder;
    const record = L.labelBytes + 3 * PIXELS;
    const files = (this.train ? L.trainFiles : L.testFiles).map((f) => join(folder, f));
    const sizes = files.map((f) => {
      if (!existsSync(f)) throw new Error(`${L.name}: missing file ${f}`);
      const n = statSync(f).size;
      if (n === 0 || n % record !== 0) {
        throw new Error(`${L.name}: ${f} is truncated or corrupt: its ${n} bytes are not a multiple of the ${record}-byte record size`);
      }
      return n / record;
    });
    const count = sizes.reduce((a, b) => a + b, 0);
    this.data = new Uint8Array(count * 3 * PIXELS);
    this.labels = Array.from({ length: L.labelBytes }, () => new Uint8Array(count));
    let n = 0;
    for (const f of files) {
      const buf = readFileSync(f);
      for (let off = 0; off < buf.length; off += record, n++) {
        for (let k = 0; k < L.labelBytes; k++) this.labels[k]![n] = buf[off + k]!;
        const px = off + L.labelBytes;
        const out = n * 3 * PIXELS;
        for (let p = 0; p < PIXELS; p++) {
          const o = out + p * 3;
          this.data[o] = buf[px + p]!;
          this.data[o + 1] = buf[px + PIXELS + p]!;
          this.data[o + 2] = buf[px + 2 * PIXELS + p]!;
        }
      }
    }
    this.targets = Array.from(this.labels[L.labelBytes - 1]!);
    this.classes = readNames(join(folder, L.metaFiles[L.metaFiles.length - 1]!), L.name);
    const max = this.targets.reduce((a, b) => Math.max(a, b), 0);
    if (max >= this.classes.length) {
      throw new Error(`${L.name}: label ${max} in ${files.join(', ')} has no class name in ${L.metaFiles[L.metaFiles.length - 1]} (${this.classes.length} names)`);
    }
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
  }

  get length(): number { return this.targets.length; }

  /** The i-th image (32x32 RGB, a view of `data`) and its label, after the transforms. */
  get(index: number): [any, any] {
    const n = this.targets.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`${this.layout().name}: index ${index} is out of range for ${n} images`);
    const i = index < 0 ? index + n : index;
    const img: RGBImage = createImage(32, 32, 3, this.data.subarray(i * 3 * PIXELS, (i + 1) * 3 * PIXELS));
    return this.sample(img, this.targets[i]!);
  }

  protected override extraRepr(): string[] { return [`Split: ${this.train ? 'Train' : 'Test'}`]; }
}

/** Whether dir holds some (or, when `complete`, all) of the dataset's files. */
function hasFiles(dir: string, L: Layout, complete: boolean): boolean {
  const files = [...L.metaFiles, ...L.trainFiles, ...L.testFiles];
  return complete ? files.every((f) => existsSync(join(dir, f))) : files.some((f) => existsSync(join(dir, f)));
}

/** root/<baseFolder>, or root itself when it holds the files. */
function findFolder(root: string, L: Layout, complete = false): string | null {
  const nested = join(root, L.baseFolder);
  if (hasFiles(nested, L, complete)) return nested;
  if (hasFiles(root, L, complete)) return root;
  return null;
}

function readNames(path: string, what: string): string[] {
  if (!existsSync(path)) throw new Error(`${what}: missing file ${path}`);
  return readFileSync(path, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
}

function archiveJob(opts: CIFAROptions, L: Layout): ArchiveJob {
  return { urls: [opts.url ?? L.url], root: opts.root, filename: L.filename, md5: opts.md5 === undefined ? L.md5 : opts.md5, progress: opts.progress };
}

const CIFAR10_LAYOUT: Layout = {
  name: 'CIFAR10',
  baseFolder: 'cifar-10-batches-bin',
  url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
  filename: 'cifar-10-binary.tar.gz',
  md5: 'c32a1d4ab5d03f1284b67883e8d87530',
  trainFiles: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
  testFiles: ['test_batch.bin'],
  labelBytes: 1,
  metaFiles: ['batches.meta.txt'],
};

const CIFAR100_LAYOUT: Layout = {
  name: 'CIFAR100',
  baseFolder: 'cifar-100-binary',
  url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
  filename: 'cifar-100-binary.tar.gz',
  md5: '03b5dce01913d631647c71ecec9e9cb8',
  trainFiles: ['train.bin'],
  testFiles: ['test.bin'],
  labelBytes: 2,
  metaFiles: ['coarse_label_names.txt', 'fine_label_names.txt'],
};

/** CIFAR-10: 50,000 training and 10,000 test images in 10 classes. */
export class CIFAR10 extends CIFARBase {
  static readonly layout: Layout = CIFAR10_LAYOUT;
  protected layout(): Layout { return CIFAR10_LAYOUT; }
  /** torchvision's order (root, train, transform, targetTransform, download), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<CIFAROptions, ['train', 'transform', 'targetTransform', 'download']>);
  constructor(opts: CIFAROptions);
  constructor(...args: unknown[]) { super(datasetOptions(CIFAR10, args)); }

  /** Downloads and extracts the archive asynchronously (when missing), then builds the dataset. */
  static async create(opts: CIFAROptions): Promise<CIFAR10> {
    if (opts.download && findFolder(opts.root, CIFAR10_LAYOUT, true) === null) await downloadAndExtractArchive(archiveJob(opts, CIFAR10_LAYOUT));
    return new CIFAR10({ ...opts, download: false });
  }
}

/** CIFAR-100: 100 fine classes grouped in 20 coarse ones; targets are the fine labels. */
export class CIFAR100 extends CIFARBase {
  static readonly layout: Layout = CIFAR100_LAYOUT;
  /** The coarse (superclass) label of each image. */
  readonly coarseTargets: number[];
  readonly coarseClasses: string[];
  protected layout(): Layout { return CIFAR100_LAYOUT; }
  constructor(root: string, ...rest: PyRest<CIFAROptions, ['train', 'transform', 'targetTransform', 'download']>);
  constructor(opts: CIFAROptions);
  constructor(...args: unknown[]) {
    super(datasetOptions(CIFAR100, args));
    this.coarseTargets = Array.from(this.labels[0]!);
    this.coarseClasses = readNames(join(this.folder, CIFAR100_LAYOUT.metaFiles[0]!), 'CIFAR100');
  }

  static async create(opts: CIFAROptions): Promise<CIFAR100> {
    if (opts.download && findFolder(opts.root, CIFAR100_LAYOUT, true) === null) await downloadAndExtractArchive(archiveJob(opts, CIFAR100_LAYOUT));
    return new CIFAR100({ ...opts, download: false });
  }
}

classArgs(CIFAR10, 'torchvision.datasets.CIFAR10', '; root, train, transform, targetTransform, download, *, url, md5, progress');
classArgs(CIFAR100, 'torchvision.datasets.CIFAR100', '; root, train, transform, targetTransform, download, *, url, md5, progress');
