// torchvision's OxfordIIITPet: oxford-iiit-pet/images/<id>.jpg with annotations/{trainval,test}.txt
// ("<id> <class 1..37> <species> <breed>" per line) and annotations/trimaps/<id>.png; targets 'category' (the
// class index) and/or 'segmentation' (the trimap image, values 1 pet, 2 background, 3 border).
import { classArgs, type PyRest } from '../../args.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openImageSync } from '../io/decode.js';
import { VisionDataset, datasetOptions, type VisionDatasetOptions } from './vision-dataset.js';
import { downloadAndExtractArchive, downloadSync, type ArchiveJob } from './download.js';

export type PetTargetType = 'category' | 'segmentation';

export interface OxfordIIITPetOptions extends VisionDatasetOptions {
  split?: 'trainval' | 'test';
  targetTypes?: PetTargetType | PetTargetType[];
  /** Download and extract images.tar.gz and annotations.tar.gz (md5-checked) when missing. */
  download?: boolean;
  /** Base URL (ending in '/') of a mirror holding both archives, tried first. */
  mirrors?: string[];
  md5?: Record<string, string | null>;
  progress?: boolean;
}

const RESOURCES: [string, string][] = [
  ['https://www.robots.ox.ac.uk/~vgg/data/pets/data/images.tar.gz', '5c4f3ee8e5d25df40f4fd59a7f44e54c'],
  ['https://www.robots.ox.ac.uk/~vgg/data/pets/data/annotations.tar.gz', '95a8c909bbe2e81eed6a22bccdf3f68f'],
];

/** Python's str.title() for ASCII words. */
const title = (s: string): string => s.toLowerCase().replace(/(^|[^a-z])([a-z])/g, (_, p: string, c: string) => p + c.toUpperCase());

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

export class OxfordIIITPet extends VisionDataset<any, any> {
  readonly split: 'trainval' | 'test';
  readonly targetTypes: PetTargetType[];
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  readonly images: string[];
  readonly segmentations: string[];
  readonly labels: number[];

  /** torchvision's order (root, split, targetTypes, transforms, transform, targetTransform, download), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<OxfordIIITPetOptions, ['split', 'targetTypes', 'transforms', 'transform', 'targetTransform', 'download']>);
  constructor(opts: OxfordIIITPetOptions);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<OxfordIIITPetOptions>(OxfordIIITPet, args);
    super(opts);
    const split = opts.split ?? 'trainval';
    if (split !== 'trainval' && split !== 'test') throw new RangeError(`Unknown value '${String(split)}' for argument split. Valid values are {'trainval', 'test'}.`);
    const types = opts.targetTypes === undefined ? ['category'] : typeof opts.targetTypes === 'string' ? [opts.targetTypes] : [...opts.targetTypes];
    for (const t of types) if (t !== 'category' && t !== 'segmentation') throw new RangeError(`Unknown value '${String(t)}' for argument target_types. Valid values are {'category', 'segmentation'}.`);
    this.split = split;
    this.targetTypes = types as PetTargetType[];
    const base = join(opts.root, 'oxford-iiit-pet');
    const imagesDir = join(base, 'images'), annsDir = join(base, 'annotations');
    if (!(isDir(imagesDir) && isDir(annsDir))) {
      if (!opts.download) throw new Error(`OxfordIIITPet: dataset not found in ${base} (images/ and annotations/); pass download: true to fetch it`);
      for (const job of OxfordIIITPet.jobs(opts)) downloadSync({ kind: 'archive', job });
    }
    const ids: string[] = [];
    this.labels = [];
    const listFile = join(annsDir, `${split}.txt`);
    if (!existsSync(listFile)) throw new Error(`OxfordIIITPet: missing ${listFile}`);
    for (const line of readFileSync(listFile, 'utf8').split('\n')) {
      const parts = line.trim().split(/\s+/);
      if (parts[0] === '') continue;
      if (parts.length < 2 || !/^\d+$/.test(parts[1]!)) throw new Error(`OxfordIIITPet: ${listFile} has a line that is not "<id> <class> ...": ${JSON.stringify(line)}`);
      ids.push(parts[0]!);
      this.labels.push(Number(parts[1]) - 1);
    }
    // class names from the image ids ("great_pyrenees_12" -> "Great Pyrenees"), in class order
    const seen = new Map<string, number>();
    ids.forEach((id, i) => seen.set(`${id.slice(0, id.lastIndexOf('_'))}\u0000${this.labels[i]}`, this.labels[i]!));
    const pairs = [...seen.entries()].map(([k, label]) => [k.split('\u0000')[0]!, label] as const).sort((a, b) => a[1] - b[1]);
    this.classes = pairs.map(([raw]) => raw.split('_').map(title).join(' '));
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    this.images = ids.map((id) => join(imagesDir, `${id}.jpg`));
    this.segmentations = ids.map((id) => join(annsDir, 'trimaps', `${id}.png`));
  }

  private static jobs(opts: OxfordIIITPetOptions): ArchiveJob[] {
    const base = join(opts.root, 'oxford-iiit-pet');
    return RESOURCES.map(([url, md5]) => {
      const file = url.slice(url.lastIndexOf('/') + 1);
      return { urls: [...(opts.mirrors ?? []).map((m) => m + file), url], root: base, filename: file, md5: opts.md5?.[file] !== undefined ? opts.md5[file]! : md5, progress: opts.progress };
    });
  }

  /** Downloads asynchronously (when missing), then builds the data set. */
  static async create(opts: OxfordIIITPetOptions): Promise<OxfordIIITPet> {
    const base = join(opts.root, 'oxford-iiit-pet');
    if (opts.download && !(isDir(join(base, 'images')) && isDir(join(base, 'annotations')))) {
      for (const job of OxfordIIITPet.jobs(opts)) await downloadAndExtractArchive(job);
    }
    return new OxfordIIITPet({ ...opts, download: false });
  }

  get length(): number { return this.images.length; }

  get(index: number): [any, any] {
    const n = this.images.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`OxfordIIITPet: index ${index} is out of range for ${n} images`);
    const i = index < 0 ? index + n : index;
    const image = openImageSync(this.images[i]!, { mode: 'RGB' });
    const target = this.targetTypes.map((t) => (t === 'category' ? this.labels[i]! : openImageSync(this.segmentations[i]!, { mode: 'unchanged' })));
    return this.sample(image, target.length === 0 ? null : target.length === 1 ? target[0] : target);
  }
}
classArgs(OxfordIIITPet, 'torchvision.datasets.OxfordIIITPet', '; root, split, targetTypes, transforms, transform, targetTransform, download, *, mirrors, md5, progress');
