// torchvision's Places365: categories_places365.txt ("/a/airfield 0" per line), the split's file list
// (places365_train_standard.txt, places365_train_challenge.txt, places365_val.txt: "<path> <class>" per line) and
// the images under data_{large|256}_{standard|challenge}/ (train) or val_{large|256}/ (val); classes sorted.
// Downloads the devkit and image tars (md5-checked) from the Places365 site, or a mirror.
import { classArgs, type PyRest } from '../../args.js';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join, sep } from 'node:path';
import { openImageSync } from '../io/decode.js';
import { VisionDataset, datasetOptions, type VisionDatasetOptions } from './vision-dataset.js';
import { downloadAndExtractArchive, downloadSync, type ArchiveJob } from './download.js';

export type Places365Split = 'train-standard' | 'train-challenge' | 'val';

export interface Places365Options extends VisionDatasetOptions {
  split?: Places365Split;
  /** The 256 x 256 images instead of the large ones. */
  small?: boolean;
  /** Download the devkit and the split's images (md5-checked) when missing. */
  download?: boolean;
  /** A base URL (ending in '/') used instead of the Places365 site. */
  baseUrl?: string;
  md5?: Record<string, string | null>;
  progress?: boolean;
  /** Reads one image (default: openImageSync to RGB). */
  loader?: (path: string) => unknown;
}

const BASE_URL = 'http://data.csail.mit.edu/places/places365/';
const DEVKIT: Record<'standard' | 'challenge', [string, string]> = {
  standard: ['filelist_places365-standard.tar', '35a0585fee1fa656440f3ab298f8479c'],
  challenge: ['filelist_places365-challenge.tar', '70a8307e459c3de41690a7c76c931734'],
};
const CATEGORIES = 'categories_places365.txt';
const FILE_LIST: Record<Places365Split, string> = {
  'train-standard': 'places365_train_standard.txt', 'train-challenge': 'places365_train_challenge.txt', val: 'places365_val.txt',
};
const IMAGES: Record<string, [string, string]> = {
  'train-standard:large': ['train_large_places365standard.tar', '67e186b496a84c929568076ed01a8aa1'],
  'train-challenge:large': ['train_large_places365challenge.tar', '605f18e68e510c82b958664ea134545f'],
  'val:large': ['val_large.tar', '9b71c4993ad89d2d8bcbdc4aef38042f'],
  'train-standard:256': ['train_256_places365standard.tar', '53ca1c756c3d1e7809517cc47c5561c5'],
  'train-challenge:256': ['train_256_places365challenge.tar', '741915038a5e3471ec7332404dfb64ef'],
  'val:256': ['val_256.tar', 'e27b17d8d44f4af9a78502beb927f808'],
};

function readPairs(path: string): [string, number][] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((line) => {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 2 || !/^-?\d+$/.test(parts[1]!)) throw new Error(`Places365: ${path} has a line that is not "<name> <index>": ${JSON.stringify(line)}`);
    return [parts[0]!, Number(parts[1])];
  });
}

export class Places365 extends VisionDataset<any, any> {
  static readonly splits: readonly Places365Split[] = ['train-standard', 'train-challenge', 'val'];
  readonly split: Places365Split;
  readonly small: boolean;
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  readonly imgs: [string, number][];
  readonly targets: number[];
  private readonly loader: (path: string) => unknown;

  /** torchvision's order (root, split, small, download, transform, targetTransform, loader), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<Places365Options, ['split', 'small', 'download', 'transform', 'targetTransform', 'loader']>);
  constructor(opts: Places365Options);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<Places365Options>(Places365, args);
    super(opts);
    const split = opts.split ?? 'train-standard';
    if (!Places365.splits.includes(split)) throw new RangeError(`Unknown value '${String(split)}' for argument split. Valid values are {'train-standard', 'train-challenge', 'val'}.`);
    this.split = split;
    this.small = opts.small ?? false;
    this.loader = opts.loader ?? ((p: string) => openImageSync(p, { mode: 'RGB' }));
    const need = [join(opts.root, CATEGORIES), join(opts.root, FILE_LIST[split])];
    if (!need.every(existsSync) || (opts.download && !existsSync(Places365.imagesDir(opts.root, split, this.small)))) {
      if (!opts.download) throw new Error(`Places365: ${need.filter((p) => !existsSync(p)).join(' and ')} not found; pass download: true to fetch it`);
      for (const job of Places365.jobs(opts, split, this.small)) downloadSync({ kind: 'archive', job });
      Places365.renameTrain(opts.root, split, this.small);
    }
    const cats = readPairs(need[0]!);
    this.classToIdx = Object.fromEntries(cats);
    this.classes = Object.keys(this.classToIdx).sort();
    const dir = Places365.imagesDir(opts.root, split, this.small);
    this.imgs = readPairs(need[1]!).map(([image, idx]) => [join(dir, image.replace(/^\/+/, '').split('/').join(sep)), idx]);
    this.targets = this.imgs.map(([, t]) => t);
  }

  /** Where the split's images are: data_{large|256}_{variant} for training, {split}_{large|256} for val. */
  static imagesDir(root: string, split: Places365Split, small: boolean): string {
    const size = small ? '256' : 'large';
    const variant = split.includes('challenge') ? 'challenge' : 'standard';
    return join(root, split.startsWith('train') ? `data_${size}_${variant}` : `${split}_${size}`);
  }

  private static jobs(opts: Places365Options, split: Places365Split, small: boolean): ArchiveJob[] {
    const base = opts.baseUrl ?? BASE_URL;
    const md5 = (f: string, d: string): string | null => (opts.md5?.[f] !== undefined ? opts.md5[f]! : d);
    const jobs: ArchiveJob[] = [];
    const [devkit, devMd5] = DEVKIT[split.includes('challenge') ? 'challenge' : 'standard'];
    if (!existsSync(join(opts.root, CATEGORIES)) || !existsSync(join(opts.root, FILE_LIST[split]))) {
      jobs.push({ urls: [base + devkit], root: opts.root, filename: devkit, md5: md5(devkit, devMd5), progress: opts.progress });
    }
    if (!existsSync(Places365.imagesDir(opts.root, split, small))) {
      const [images, imMd5] = IMAGES[`${split}:${small ? '256' : 'large'}`]!;
      jobs.push({ urls: [base + images], root: opts.root, filename: images, md5: md5(images, imMd5), progress: opts.progress });
    }
    return jobs;
  }

  /** The training tars extract to data_{size}/; torchvision renames the folder to data_{size}_{variant}. */
  private static renameTrain(root: string, split: Places365Split, small: boolean): void {
    const dir = Places365.imagesDir(root, split, small);
    const extracted = dir.slice(0, dir.lastIndexOf('_'));
    if (split.startsWith('train') && !existsSync(dir) && existsSync(extracted)) renameSync(extracted, dir);
  }

  /** Downloads asynchronously (when missing), then builds the data set. */
  static async create(opts: Places365Options): Promise<Places365> {
    const split = opts.split ?? 'train-standard';
    if (opts.download) {
      for (const job of Places365.jobs(opts, split, opts.small ?? false)) await downloadAndExtractArchive(job);
      Places365.renameTrain(opts.root, split, opts.small ?? false);
    }
    return new Places365({ ...opts, download: false });
  }

  get length(): number { return this.imgs.length; }

  get(index: number): [any, any] {
    const n = this.imgs.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`Places365: index ${index} is out of range for ${n} images`);
    const [file, target] = this.imgs[index < 0 ? index + n : index]!;
    return this.sample(this.loader(file), target);
  }

  protected override extraRepr(): string[] { return [`Split: ${this.split}`, `Small: ${this.small ? 'True' : 'False'}`]; }
}
classArgs(Places365, 'torchvision.datasets.Places365', '; root, split, small, download, transform, targetTransform, loader, *, baseUrl, md5, progress');
