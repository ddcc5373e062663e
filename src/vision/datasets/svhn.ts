// torchvision's SVHN: 32x32 colour digit crops from {train,test,extra}_32x32.mat (MATLAB files read by ./mat.ts,
// as scipy.io.loadmat does for torchvision): X is [32, 32, 3, N] uint8 in MATLAB's column-major order, y the
// labels 1..10, with 10 standing for the digit 0 (made 0 here, as torchvision does).
import { classArgs, type PyRest } from '../../args.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createImage } from '../io/image.js';
import { VisionDataset, datasetOptions, type VisionDatasetOptions } from './vision-dataset.js';
import { downloadSync, runJob, type DownloadJob } from './download.js';
import { matNumbers, readMat } from './mat.js';

export type SVHNSplit = 'train' | 'test' | 'extra';

export interface SVHNOptions extends VisionDatasetOptions {
  split?: SVHNSplit;
  /** Download the split's .mat file (md5-checked) when it is missing. */
  download?: boolean;
  /** Base URLs (ending in '/') of mirrors holding the .mat files, tried first. */
  mirrors?: string[];
  /** Override of the file's md5 (null skips the check). */
  md5?: string | null;
  progress?: boolean;
}

const SPLITS: Record<SVHNSplit, [string, string]> = {
  train: ['train_32x32.mat', 'e26dedcc434d2e4c54c9b2d4a06d8373'],
  test: ['test_32x32.mat', 'eb5a983be6a315427106f1b164d9cef3'],
  extra: ['extra_32x32.mat', 'a93ce644f1a588dc4d68dda5feec44a7'],
};
const URL = 'http://ufldl.stanford.edu/housenumbers/';

export class SVHN extends VisionDataset<any, any> {
  readonly split: SVHNSplit;
  /** X as stored: [H, W, C, N] column-major. */
  private readonly data: Uint8Array;
  private readonly h: number;
  private readonly w: number;
  private readonly c: number;
  readonly labels: number[];

  /** torchvision's order (root, split, transform, targetTransform, download), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<SVHNOptions, ['split', 'transform', 'targetTransform', 'download']>);
  constructor(opts: SVHNOptions);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<SVHNOptions>(SVHN, args);
    super(opts);
    const split = opts.split ?? 'train';
    if (!(split in SPLITS)) throw new RangeError(`Unknown value '${String(split)}' for argument split. Valid values are {'train', 'test', 'extra'}.`);
    this.split = split;
    const file = join(opts.root, SPLITS[split][0]);
    if (!existsSync(file)) {
      if (!opts.download) throw new Error(`SVHN: dataset not found: ${file} is missing; pass download: true to fetch it`);
      downloadSync(SVHN.job(opts));
    }
    const mat = readMat(file);
    const X = mat.get('X'), y = mat.get('y');
    if (X.class !== 'uint8' || X.dims.length !== 4 || X.dims[2] !== 3) throw new Error(`SVHN: ${file}: X should be a uint8 [H, W, 3, N] array, not ${X.class} [${X.dims.join(', ')}]`);
    [this.h, this.w, this.c] = X.dims as [number, number, number];
    this.data = X.data as Uint8Array;
    // astype(int64) truncates; 10 means the digit 0
    this.labels = matNumbers(y).map((v) => { const t = Math.trunc(v); return t === 10 ? 0 : t; });
    if (this.labels.length !== X.dims[3]) throw new Error(`SVHN: ${file}: ${this.labels.length} labels for ${X.dims[3]} images`);
  }

  private static job(opts: SVHNOptions): DownloadJob {
    const [f, md5] = SPLITS[opts.split ?? 'train'];
    return { kind: 'files', progress: opts.progress, files: [{ urls: [...(opts.mirrors ?? []).map((m) => m + f), URL + f], dest: join(opts.root, f), md5: opts.md5 === undefined ? md5 : opts.md5 }] };
  }

  /** Downloads asynchronously (when missing), then builds the data set. */
  static async create(opts: SVHNOptions): Promise<SVHN> {
    const split = opts.split ?? 'train';
    if (opts.download && split in SPLITS && !existsSync(join(opts.root, SPLITS[split][0]))) await runJob(SVHN.job(opts));
    return new SVHN({ ...opts, download: false });
  }

  get length(): number { return this.labels.length; }

  get(index: number): [any, any] {
    const n = this.labels.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`SVHN: index ${index} is out of range for ${n} images`);
    const i = index < 0 ? index + n : index;
    const { h, w, c } = this;
    const plane = h * w, base = i * plane * c;
    const out = new Uint8Array(plane * c);
    // X(r, col, k, i) is at r + h*(col + w*(k + c*i))
    for (let r = 0; r < h; r++) {
      for (let col = 0; col < w; col++) {
        const o = (r * w + col) * c, src = base + r + h * col;
        for (let k = 0; k < c; k++) out[o + k] = this.data[src + k * plane]!;
      }
    }
    return this.sample(createImage(w, h, c, out), this.labels[i]!);
  }

  protected override extraRepr(): string[] { return [`Split: ${this.split}`]; }
}
classArgs(SVHN, 'torchvision.datasets.SVHN', '; root, split, transform, targetTransform, download, *, mirrors, md5, progress');
