// torchvision's Food101: food-101/images/<class>/<id>.jpg with food-101/meta/{train,test}.json ({class: [relative
// paths without .jpg]}); classes sorted, samples in the json's order.
import { classArgs, type PyRest } from '../../args.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openImageSync } from '../io/decode.js';
import { VisionDataset, datasetOptions, type VisionDatasetOptions } from './vision-dataset.js';
import { downloadAndExtractArchive, downloadSync, type ArchiveJob } from './download.js';

export interface Food101Options extends VisionDatasetOptions {
  split?: 'train' | 'test';
  /** Download and extract food-101.tar.gz (md5-checked) when missing. */
  download?: boolean;
  /** Other URLs of the archive, tried first. */
  mirrors?: string[];
  md5?: string | null;
  progress?: boolean;
}

const URL = 'http://data.vision.ee.ethz.ch/cvl/food-101.tar.gz';
const MD5 = '85eeb15f3717b99a5da872d97d918f87';
const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

export class Food101 extends VisionDataset<any, any> {
  readonly split: 'train' | 'test';
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  readonly imageFiles: string[] = [];
  readonly labels: number[] = [];

  /** torchvision's order (root, split, transform, targetTransform, download), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<Food101Options, ['split', 'transform', 'targetTransform', 'download']>);
  constructor(opts: Food101Options);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<Food101Options>(Food101, args);
    super(opts);
    const split = opts.split ?? 'train';
    if (split !== 'train' && split !== 'test') throw new RangeError(`Unknown value '${String(split)}' for argument split. Valid values are {'train', 'test'}.`);
    this.split = split;
    const base = join(opts.root, 'food-101');
    if (!(isDir(join(base, 'meta')) && isDir(join(base, 'images')))) {
      if (!opts.download) throw new Error(`Food101: dataset not found in ${base} (meta/ and images/); pass download: true to fetch it`);
      downloadSync({ kind: 'archive', job: Food101.job(opts) });
    }
    const metaFile = join(base, 'meta', `${split}.json`);
    let meta: Record<string, string[]>;
    try {
      meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, string[]>;
    } catch (e) {
      throw new Error(`Food101: cannot read ${metaFile}: ${(e as Error).message}`);
    }
    this.classes = Object.keys(meta).sort();
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    for (const [cls, paths] of Object.entries(meta)) {
      if (!Array.isArray(paths)) throw new Error(`Food101: ${metaFile}: the entry of '${cls}' is not a list of paths`);
      for (const rel of paths) {
        this.labels.push(this.classToIdx[cls]!);
        this.imageFiles.push(join(base, 'images', ...`${rel}.jpg`.split('/')));
      }
    }
  }

  private static job(opts: Food101Options): ArchiveJob {
    return { urls: [...(opts.mirrors ?? []), URL], root: opts.root, filename: 'food-101.tar.gz', md5: opts.md5 === undefined ? MD5 : opts.md5, progress: opts.progress };
  }

  static async create(opts: Food101Options): Promise<Food101> {
    const base = join(opts.root, 'food-101');
    if (opts.download && !(isDir(join(base, 'meta')) && isDir(join(base, 'images')))) await downloadAndExtractArchive(Food101.job(opts));
    return new Food101({ ...opts, download: false });
  }

  get length(): number { return this.imageFiles.length; }

  get(index: number): [any, any] {
    const n = this.imageFiles.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`Food101: index ${index} is out of range for ${n} images`);
    const i = index < 0 ? index + n : index;
    return this.sample(openImageSync(this.imageFiles[i]!, { mode: 'RGB' }), this.labels[i]!);
  }

  protected override extraRepr(): string[] { return [`split=${this.split}`]; }
}
classArgs(Food101, 'torchvision.datasets.Food101', '; root, split, transform, targetTransform, download, *, mirrors, md5, progress');
