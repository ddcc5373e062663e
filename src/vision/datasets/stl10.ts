// torchvision's STL10: 96x96 colour images of 10 classes from stl10_binary/ (train_X.bin, train_y.bin,
// test_X.bin, test_y.bin, unlabeled_X.bin: images stored channel by channel, column-major; labels 1..10), the
// splits 'train', 'test', 'unlabeled' (target -1) and 'train+unlabeled', and the ten 1,000-image training folds.
import { classArgs, type PyRest } from '../../args.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createImage } from '../io/image.js';
import { VisionDataset, datasetOptions, type VisionDatasetOptions } from './vision-dataset.js';
import { downloadAndExtractArchive, downloadSync, type ArchiveJob } from './download.js';

export type STL10Split = 'train' | 'train+unlabeled' | 'unlabeled' | 'test';

export interface STL10Options extends VisionDatasetOptions {
  split?: STL10Split;
  /** One of the ten predefined training folds (0-9): 1,000 of the 5,000 training images. */
  folds?: number | null;
  /** Download and extract stl10_binary.tar.gz (md5-checked) when the files are missing. */
  download?: boolean;
  /** Other URLs of the archive to try first. */
  mirrors?: string[];
  /** Override of the archive's md5 (null skips the check). */
  md5?: string | null;
  progress?: boolean;
}

const BASE = 'stl10_binary';
const URL = 'http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz';
const TGZ_MD5 = '91f7769df0f17e558f3565bffb0c7dfb';
const IMAGE_BYTES = 3 * 96 * 96;
const FILES = ['train_X.bin', 'train_y.bin', 'unlabeled_X.bin', 'test_X.bin', 'test_y.bin'];

export class STL10 extends VisionDataset<any, any> {
  static readonly splits: readonly STL10Split[] = ['train', 'train+unlabeled', 'unlabeled', 'test'];
  readonly split: STL10Split;
  readonly folds: number | null;
  readonly classes: string[] = [];
  /** Per image: its source buffer and offset (images of several files are served without concatenating them). */
  private readonly images: { buf: Uint8Array; offset: number }[] = [];
  readonly labels: number[] = [];

  /** torchvision's order (root, split, folds, transform, targetTransform, download), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<STL10Options, ['split', 'folds', 'transform', 'targetTransform', 'download']>);
  constructor(opts: STL10Options);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<STL10Options>(STL10, args);
    super(opts);
    const split = opts.split ?? 'train';
    if (!STL10.splits.includes(split)) throw new RangeError(`Unknown value '${String(split)}' for argument split. Valid values are {${STL10.splits.map((s) => `'${s}'`).join(', ')}}.`);
    const folds = opts.folds ?? null;
    if (folds !== null && !(Number.isInteger(folds) && folds >= 0 && folds < 10)) {
      throw new RangeError(`Value for argument folds should be in the range [0, 10), but got ${folds}.`);
    }
    this.split = split;
    this.folds = folds;
    const dir = join(opts.root, BASE);
    if (!FILES.every((f) => existsSync(join(dir, f)))) {
      if (!opts.download) throw new Error(`STL10: dataset not found or corrupted: ${dir} lacks ${FILES.filter((f) => !existsSync(join(dir, f))).join(', ')}; pass download: true to fetch it`);
      downloadSync({ kind: 'archive', job: STL10.job(opts) });
    }
    const load = (x: string, y?: string): void => {
      const data = readData(join(dir, x));
      const n = data.length / IMAGE_BYTES;
      let labels: number[];
      if (y) {
        const raw = readFileSync(join(dir, y));
        if (raw.length !== n) throw new Error(`STL10: ${join(dir, y)} has ${raw.length} labels for ${n} images in ${x}`);
        labels = Array.from(raw, (v) => (v - 1) & 0xff); // uint8 arithmetic: labels are 1..10 in the file
      } else {
        labels = Array(n).fill(-1);
      }
      let idx = Array.from({ length: n }, (_, i) => i);
      if (y && x === 'train_X.bin' && folds !== null) idx = readFold(join(dir, 'fold_indices.txt'), folds, n);
      for (const i of idx) {
        this.images.push({ buf: data, offset: i * IMAGE_BYTES });
        this.labels.push(labels[i]!);
      }
    };
    if (split === 'train' || split === 'train+unlabeled') load('train_X.bin', 'train_y.bin');
    if (split === 'train+unlabeled' || split === 'unlabeled') load('unlabeled_X.bin');
    if (split === 'test') load('test_X.bin', 'test_y.bin');
    const classFile = join(dir, 'class_names.txt');
    if (existsSync(classFile)) this.classes = readFileSync(classFile, 'utf8').split(/\r?\n/).filter((_, i, a) => i < a.length - 1 || a[i] !== '');
  }

  private static job(opts: STL10Options): ArchiveJob {
    return { urls: [...(opts.mirrors ?? []), URL], root: opts.root, filename: 'stl10_binary.tar.gz', md5: opts.md5 === undefined ? TGZ_MD5 : opts.md5, progress: opts.progress };
  }

  /** Downloads asynchronously (when missing), then builds the data set. */
  static async create(opts: STL10Options): Promise<STL10> {
    const dir = join(opts.root, BASE);
    if (opts.download && !FILES.every((f) => existsSync(join(dir, f)))) await downloadAndExtractArchive(STL10.job(opts));
    return new STL10({ ...opts, download: false });
  }

  get length(): number { return this.images.length; }

  get(index: number): [any, any] {
    const n = this.images.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`STL10: index ${index} is out of range for ${n} images`);
    const { buf, offset } = this.images[index < 0 ? index + n : index]!;
    // the file stores each channel column by column: pixel (row r, column c) of channel k is at k*9216 + c*96 + r
    const out = new Uint8Array(IMAGE_BYTES);
    for (let r = 0; r < 96; r++) {
      for (let c = 0; c < 96; c++) {
        const o = (r * 96 + c) * 3;
        for (let k = 0; k < 3; k++) out[o + k] = buf[offset + k * 9216 + c * 96 + r]!;
      }
    }
    const label = this.labels[index < 0 ? index + n : index]!;
    return this.sample(createImage(96, 96, 3, out), label);
  }

  protected override extraRepr(): string[] { return [`Split: ${this.split}`]; }
}

function readData(path: string): Uint8Array {
  const size = statSync(path).size;
  if (size % IMAGE_BYTES !== 0) throw new Error(`STL10: ${path} is truncated or corrupt: ${size} bytes is not a whole number of 96x96x3 images`);
  return readFileSync(path);
}

function readFold(path: string, fold: number, n: number): number[] {
  if (!existsSync(path)) throw new Error(`STL10: folds need ${path}`);
  const line = readFileSync(path, 'utf8').split(/\r?\n/)[fold];
  if (line === undefined) throw new Error(`STL10: ${path} has no line for fold ${fold}`);
  const idx = line.trim().split(/\s+/).filter((s) => s !== '').map(Number);
  const bad = idx.find((i) => !Number.isInteger(i) || i < 0 || i >= n);
  if (bad !== undefined) throw new Error(`STL10: ${path} fold ${fold} names image ${bad}, out of range for ${n}`);
  return idx;
}
classArgs(STL10, 'torchvision.datasets.STL10', '; root, split, folds, transform, targetTransform, download, *, mirrors, md5, progress');
