// torchvision's Flowers102: flowers-102/jpg/image_NNNNN.jpg, with imagelabels.mat (labels, 1..102, per image
// id) and setid.mat (trnid/valid/tstid: the image ids of each split), read by ./mat.ts as scipy.io.loadmat does.
import { classArgs, type PyRest } from '../../args.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openImageSync } from '../io/decode.js';
import { VisionDataset, datasetOptions, type VisionDatasetOptions } from './vision-dataset.js';
import { downloadAndExtractArchive, downloadSync, runJob, type ArchiveJob } from './download.js';
import { matNumbers, readMat } from './mat.js';

export type Flowers102Split = 'train' | 'val' | 'test';

export interface Flowers102Options extends VisionDatasetOptions {
  split?: Flowers102Split;
  /** Download 102flowers.tgz, imagelabels.mat and setid.mat (md5-checked) when missing. */
  download?: boolean;
  /** Base URLs (ending in '/') of mirrors holding the three files, tried first. */
  mirrors?: string[];
  /** md5 overrides by file name (null skips the check). */
  md5?: Record<string, string | null>;
  progress?: boolean;
}

const URL = 'https://www.robots.ox.ac.uk/~vgg/data/flowers/102/';
const FILES: Record<'image' | 'label' | 'setid', [string, string]> = {
  image: ['102flowers.tgz', '52808999861908f626f3c1f4e79d11fa'],
  label: ['imagelabels.mat', 'e0620be6f572b9609742df49c70aed4d'],
  setid: ['setid.mat', 'a5357ecc9cb78c4bef273ce3793fc85c'],
};
const SPLIT_VAR: Record<Flowers102Split, string> = { train: 'trnid', val: 'valid', test: 'tstid' };
const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

function present(base: string): boolean {
  return isDir(join(base, 'jpg')) && existsSync(join(base, FILES.label[0])) && existsSync(join(base, FILES.setid[0]));
}

export class Flowers102 extends VisionDataset<any, any> {
  readonly split: Flowers102Split;
  readonly imageFiles: string[] = [];
  readonly labels: number[] = [];

  /** torchvision's order (root, split, transform, targetTransform, download), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<Flowers102Options, ['split', 'transform', 'targetTransform', 'download']>);
  constructor(opts: Flowers102Options);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<Flowers102Options>(Flowers102, args);
    super(opts);
    const split = opts.split ?? 'train';
    if (!(split in SPLIT_VAR)) throw new RangeError(`Unknown value '${String(split)}' for argument split. Valid values are {'train', 'val', 'test'}.`);
    this.split = split;
    const base = join(opts.root, 'flowers-102');
    if (!present(base)) {
      if (!opts.download) throw new Error(`Flowers102: dataset not found in ${base} (jpg/, imagelabels.mat, setid.mat); pass download: true to fetch it`);
      downloadSync({ kind: 'archive', job: Flowers102.archive(opts) });
      downloadSync(Flowers102.mats(opts));
    }
    const ids = matNumbers(readMat(join(base, FILES.setid[0])).get(SPLIT_VAR[split]));
    const labels = matNumbers(readMat(join(base, FILES.label[0])).get('labels'));
    for (const id of ids) {
      // image ids are 1-based indices into the labels
      if (!Number.isInteger(id) || id < 1 || id > labels.length) throw new Error(`Flowers102: ${FILES.setid[0]} names image ${id}, which ${FILES.label[0]} (${labels.length} labels) has no label for`);
      this.labels.push(labels[id - 1]! - 1);
      this.imageFiles.push(join(base, 'jpg', `image_${String(id).padStart(5, '0')}.jpg`));
    }
  }

  private static md5(opts: Flowers102Options, file: string, md5: string): string | null {
    return opts.md5?.[file] !== undefined ? opts.md5[file]! : md5;
  }

  private static archive(opts: Flowers102Options): ArchiveJob {
    const [f, md5] = FILES.image;
    return { urls: [...(opts.mirrors ?? []).map((m) => m + f), URL + f], root: join(opts.root, 'flowers-102'), filename: f, md5: Flowers102.md5(opts, f, md5), progress: opts.progress };
  }

  private static mats(opts: Flowers102Options): { kind: 'files'; files: { urls: string[]; dest: string; md5: string | null }[]; progress?: boolean } {
    return {
      kind: 'files', progress: opts.progress,
      files: [FILES.label, FILES.setid].map(([f, md5]) => ({ urls: [...(opts.mirrors ?? []).map((m) => m + f), URL + f], dest: join(opts.root, 'flowers-102', f), md5: Flowers102.md5(opts, f, md5) })),
    };
  }

  /** Downloads asynchronously (when missing), then builds the data set. */
  static async create(opts: Flowers102Options): Promise<Flowers102> {
    if (opts.download && !present(join(opts.root, 'flowers-102'))) {
      await downloadAndExtractArchive(Flowers102.archive(opts));
      await runJob(Flowers102.mats(opts));
    }
    return new Flowers102({ ...opts, download: false });
  }

  get length(): number { return this.imageFiles.length; }

  get(index: number): [any, any] {
    const n = this.imageFiles.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`Flowers102: index ${index} is out of range for ${n} images`);
    const i = index < 0 ? index + n : index;
    return this.sample(openImageSync(this.imageFiles[i]!, { mode: 'RGB' }), this.labels[i]!);
  }

  protected override extraRepr(): string[] { return [`split=${this.split}`]; }
}
classArgs(Flowers102, 'torchvision.datasets.Flowers102', '; root, split, transform, targetTransform, download, *, mirrors, md5, progress');
