// torchvision's ImageNet (ILSVRC2012): an ImageFolder over <root>/train or <root>/val, prepared from the archives
// one downloads by hand into <root> (ILSVRC2012_devkit_t12.tar.gz, ILSVRC2012_img_train.tar,
// ILSVRC2012_img_val.tar) as torchvision does: the devkit's data/meta.mat (read by ./mat.ts) and validation
// ground truth become meta.bin (torch.save((wnid_to_classes, val_wnids)), the same file torchvision writes
// and reads, so either can use the other's); the training archive's per-class tars are unpacked into
// train/<wnid>/, the validation images sorted into val/<wnid>/. Classes are the tuples of each synset's names.
// (An ImageFolder inside rather than a subclass: torchvision's `classes` are tuples where ImageFolder's are strings.)
import { classArgs, withArgs, type PyRest } from '../../args.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { save } from '../../serialization/save.js';
import { load } from '../../serialization/load.js';
import { PyTuple } from '../../serialization/pickle-writer.js';
import { ImageFolder, type ImageFolderOptions } from './folder.js';
import { datasetOptions, VisionDataset } from './vision-dataset.js';
import { md5File } from './download.js';
import { extractTar, extractTarSync } from './tar.js';
import { matNumbers, readMat, type MatValue } from './mat.js';

export const IMAGENET_ARCHIVES = {
  train: ['ILSVRC2012_img_train.tar', '1d675b47d978889d74fa0da5fadfb00e'],
  val: ['ILSVRC2012_img_val.tar', '29b22e2961454d5413ddabcf34fc5622'],
  devkit: ['ILSVRC2012_devkit_t12.tar.gz', 'fa75699e90414af021442c21a62c3abf'],
} as const;
const META_FILE = 'meta.bin';

export type ImageNetSplit = 'train' | 'val';

export interface ImageNetOptions extends Omit<ImageFolderOptions, 'root'> {
  root: string;
  split?: ImageNetSplit;
  /** md5 overrides by archive name (null skips the check, which reads the whole archive). */
  md5?: Partial<Record<string, string | null>>;
}

/** wnid -> the synset's names, and the wnid of each validation image (in file-name order). */
export type ImageNetMeta = [Record<string, string[]>, string[]];

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

function expectedMd5(which: keyof typeof IMAGENET_ARCHIVES, md5?: Partial<Record<string, string | null>>): string | null {
  const [file, sum] = IMAGENET_ARCHIVES[which];
  return md5?.[file] !== undefined ? md5[file]! : sum;
}

function missing(root: string, file: string): never {
  throw new Error(`ImageNet: the archive ${file} is not present in ${root} or is corrupted. You need to download it externally (https://image-net.org) and place it in ${root}.`);
}

function verifySync(root: string, which: keyof typeof IMAGENET_ARCHIVES, md5?: Partial<Record<string, string | null>>): Buffer {
  const file = IMAGENET_ARCHIVES[which][0];
  const path = join(root, file);
  if (!existsSync(path)) missing(root, file);
  const data = readFileSync(path);
  const want = expectedMd5(which, md5);
  if (want && createHash('md5').update(data).digest('hex') !== want) missing(root, file);
  return data;
}

async function verify(root: string, which: keyof typeof IMAGENET_ARCHIVES, md5?: Partial<Record<string, string | null>>): Promise<string> {
  const file = IMAGENET_ARCHIVES[which][0];
  const path = join(root, file);
  if (!existsSync(path)) missing(root, file);
  const want = expectedMd5(which, md5);
  if (want && (await md5File(path)) !== want) missing(root, file);
  return path;
}

const text = (v: MatValue | undefined, what: string): string => {
  if (v?.kind !== 'char') throw new Error(`ImageNet: meta.mat: ${what} is not a string`);
  return v.strings.join('');
};
const num = (v: MatValue | undefined, what: string): number => {
  if (v?.kind !== 'numeric' || v.data.length !== 1) throw new Error(`ImageNet: meta.mat: ${what} is not a number`);
  return matNumbers(v)[0]!;
};

/** The devkit's meta.mat synsets (leaves only) and validation labels, as torchvision's parse_devkit_archive. */
function parseDevkitImpl(devkitRoot: string): ImageNetMeta {
  const synsets = readMat(join(devkitRoot, 'data', 'meta.mat')).value('synsets');
  if (synsets.kind !== 'struct') throw new Error(`ImageNet: meta.mat: synsets is a ${synsets.kind} array, not a struct array`);
  const idxToWnid = new Map<number, string>();
  const wnidToClasses: Record<string, string[]> = {};
  synsets.elements.forEach((s, i) => {
    if (num(s.num_children, `synsets(${i + 1}).num_children`) !== 0) return;
    const wnid = text(s.WNID, `synsets(${i + 1}).WNID`);
    idxToWnid.set(num(s.ILSVRC2012_ID, `synsets(${i + 1}).ILSVRC2012_ID`), wnid);
    wnidToClasses[wnid] = text(s.words, `synsets(${i + 1}).words`).split(', ');
  });
  const gt = join(devkitRoot, 'data', 'ILSVRC2012_validation_ground_truth.txt');
  const valWnids = readFileSync(gt, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l, i) => {
    const wnid = idxToWnid.get(Number(l.trim()));
    if (!/^\s*[+-]?\d+\s*$/.test(l) || wnid === undefined) throw new Error(`ImageNet: ${gt} line ${i + 1}: '${l.trim()}' is not the ILSVRC2012_ID of a leaf synset`);
    return wnid;
  });
  return [wnidToClasses, valWnids];
}

/** torchvision's parse_devkit_archive: the devkit archive (md5-checked) to <root>/meta.bin. */
function parseDevkitArchiveImpl(root: string, opts: { md5?: Partial<Record<string, string | null>> } = {}): void {
  const data = verifySync(root, 'devkit', opts.md5);
  const tmp = mkdtempSync(join(tmpdir(), 'tstorch-imagenet-devkit-'));
  try {
    extractTarSync(data, tmp);
    const [wnidToClasses, valWnids] = parseDevkit(join(tmp, 'ILSVRC2012_devkit_t12'));
    const dict = Object.fromEntries(Object.entries(wnidToClasses).map(([k, v]) => [k, new PyTuple(v)]));
    save(new PyTuple([dict, valWnids]), join(root, META_FILE));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** torchvision's load_meta_file: (wnid_to_classes, val_wnids) from <root>/meta.bin (ours or torchvision's). */
function loadMetaFileImpl(root: string, file = META_FILE): ImageNetMeta {
  const path = join(root, file);
  if (!existsSync(path)) throw new Error(`ImageNet: the meta file ${path} is not present in the root directory or is corrupted. This file is automatically created by the ImageNet dataset.`);
  const meta = load(path) as unknown;
  if (!Array.isArray(meta) || meta.length !== 2 || typeof meta[0] !== 'object' || !Array.isArray(meta[1])) throw new Error(`ImageNet: ${path} is not a (wnid_to_classes, val_wnids) pair`);
  return meta as ImageNetMeta;
}

/** torchvision's parse_train_archive: the training tar (md5-checked) into <root>/<folder>/<wnid>/. */
async function parseTrainArchiveImpl(root: string, opts: { md5?: Partial<Record<string, string | null>>; folder?: string } = {}): Promise<void> {
  const archive = await verify(root, 'train', opts.md5);
  const trainRoot = join(root, opts.folder ?? 'train');
  await extractTar(archive, trainRoot);
  for (const inner of readdirSync(trainRoot)) {
    const path = join(trainRoot, inner);
    if (!statSync(path).isFile()) continue;
    // os.path.splitext: n01440764.tar -> n01440764
    await extractTar(path, join(trainRoot, basename(inner, extname(inner))), { gzip: /\.(tgz|gz)$/i.test(inner) });
    rmSync(path);
  }
}

/** torchvision's parse_val_archive: the validation tar (md5-checked) into <root>/<folder>/<wnid>/ by the meta file's labels. */
async function parseValArchiveImpl(root: string, opts: { md5?: Partial<Record<string, string | null>>; wnids?: string[]; folder?: string } = {}): Promise<void> {
  const wnids = opts.wnids ?? loadMetaFile(root)[1];
  const archive = await verify(root, 'val', opts.md5);
  const valRoot = join(root, opts.folder ?? 'val');
  await extractTar(archive, valRoot);
  // Python's sorted() of the joined paths: code-point order
  const images = readdirSync(valRoot).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const w of new Set(wnids)) mkdirSync(join(valRoot, w));
  wnids.forEach((w, i) => {
    const img = images[i];
    if (img !== undefined) renameSync(join(valRoot, img), join(valRoot, w, img));
  });
}

/** Runs parseTrainArchive/parseValArchive in a child Node process and waits (the constructor is synchronous). */
function parseSplitSync(root: string, split: ImageNetSplit, md5?: Partial<Record<string, string | null>>): void {
  const self = fileURLToPath(import.meta.url);
  const worker = join(dirname(self), `imagenet-worker${extname(self)}`);
  try {
    const execArgv = process.execArgv.filter((a) => !/^--(test|inspect|watch)/.test(a));
    execFileSync(process.execPath, [...execArgv, worker, JSON.stringify({ root, split, md5 })], { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  } catch (e) {
    const msg = (e as { stdout?: Buffer }).stdout?.toString().trim();
    throw new Error(msg || `ImageNet: preparing the ${split} folder failed: ${(e as Error).message}`);
  }
}

export async function prepareSplit(root: string, split: ImageNetSplit, md5?: Partial<Record<string, string | null>>): Promise<void> {
  if (split === 'train') await parseTrainArchive(root, { md5 });
  else await parseValArchive(root, { md5 });
}

function prepare(opts: ImageNetOptions): string {
  const split = opts.split ?? 'train';
  if (split !== 'train' && split !== 'val') throw new RangeError(`Unknown value '${String(split)}' for argument split. Valid values are {'train', 'val'}.`);
  if (!existsSync(join(opts.root, META_FILE))) parseDevkitArchive(opts.root, { md5: opts.md5 });
  const folder = join(opts.root, split);
  if (!isDir(folder)) parseSplitSync(opts.root, split, opts.md5);
  return folder;
}

/**
 * An ImageFolder over <root>/<split> (its samples, targets and loading, onError included), whose `classes` are
 * the synsets' name tuples as in torchvision (ImageFolder's folder names are `wnids`).
 */
export class ImageNet<I = any, Tg = any> extends VisionDataset<I, Tg> {
  readonly split: ImageNetSplit;
  /** The ImageFolder over the split's folder (no transforms: ImageNet applies them). */
  readonly folder: ImageFolder<any, number>;
  /** The folders' WordNet ids, in class order. */
  readonly wnids: string[];
  readonly wnidToIdx: Record<string, number>;
  /** Per class, the synset's names (torchvision's tuples). */
  readonly classes: string[][];
  /** Each name of each class to the class index. */
  readonly classToIdx: Record<string, number>;
  readonly samples: [string, number][];
  readonly imgs: [string, number][];
  readonly targets: number[];

  /** torchvision's order (root, split), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<ImageNetOptions, ['split']>);
  constructor(opts: ImageNetOptions);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<ImageNetOptions>(ImageNet, args);
    const folder = prepare(opts);
    super(opts);
    this.split = opts.split ?? 'train';
    // ImageFolder takes what torchvision's ImageNet passes on as **kwargs: everything but its own split and md5
    const { split: _split, md5: _md5, ...folderOpts } = opts;
    this.folder = new ImageFolder<any, number>({ ...folderOpts, root: folder, transform: null, targetTransform: null });
    const [wnidToClasses] = loadMetaFile(opts.root);
    this.wnids = this.folder.classes;
    this.wnidToIdx = this.folder.classToIdx;
    this.classes = this.wnids.map((w) => {
      const names = wnidToClasses[w];
      if (!names) throw new Error(`ImageNet: ${join(folder, w)} is a class the meta file does not know`);
      return [...names];
    });
    this.classToIdx = {};
    this.classes.forEach((names, i) => { for (const n of names) this.classToIdx[n] = i; });
    this.samples = this.folder.samples;
    this.imgs = this.folder.samples;
    this.targets = this.folder.targets;
  }

  /** Prepares the split's folder from the archives asynchronously (when missing), then builds the data set. */
  static async create<I = any, Tg = any>(opts: ImageNetOptions): Promise<ImageNet<I, Tg>> {
    const split = opts.split ?? 'train';
    if (!existsSync(join(opts.root, META_FILE))) parseDevkitArchive(opts.root, { md5: opts.md5 });
    if ((split === 'train' || split === 'val') && !isDir(join(opts.root, split))) await prepareSplit(opts.root, split, opts.md5);
    return new ImageNet<I, Tg>(opts);
  }

  get length(): number { return this.folder.length; }

  get(index: number): [I, Tg] {
    const [img, target] = this.folder.get(index);
    return this.sample(img, target);
  }

  async getAsync(index: number): Promise<[I, Tg]> {
    const [img, target] = await this.folder.getAsync(index);
    return this.sample(img, target);
  }

  protected override extraRepr(): string[] { return [`Split: ${this.split}`]; }
}
classArgs(ImageNet, 'torchvision.datasets.ImageNet', '; root, split, *, transform, targetTransform, loader, isValidFile, asyncLoader, allowEmpty, onError, md5');

// bound to their signatures (src/args.ts): an extra positional argument or an unknown option is a TypeError
export const parseDevkit = withArgs('parseDevkit', 'tstorch.vision.datasets.parseDevkit', 'devkitRoot', parseDevkitImpl);
export const parseDevkitArchive = withArgs('parseDevkitArchive', 'torchvision.datasets.imagenet.parse_devkit_archive', 'root; *, md5', parseDevkitArchiveImpl);
export const loadMetaFile = withArgs('loadMetaFile', 'torchvision.datasets.imagenet.load_meta_file', 'root, file?', loadMetaFileImpl);
export const parseTrainArchive = withArgs('parseTrainArchive', 'torchvision.datasets.imagenet.parse_train_archive', 'root; *, md5, folder', parseTrainArchiveImpl);
export const parseValArchive = withArgs('parseValArchive', 'torchvision.datasets.imagenet.parse_val_archive', 'root; *, md5, wnids, folder', parseValArchiveImpl);
