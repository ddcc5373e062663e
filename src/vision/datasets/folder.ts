// torchvision's DatasetFolder and ImageFolder: samples in root/<class>/**/<file>, classes from the sorted
// sub-folder names, files walked in torchvision's order (so `samples` and `targets` equal torchvision's).
//
// `get(i)` is synchronous: the image is decoded by sharp on a worker thread while the caller waits (see
// io/sync.ts), so a DataLoader iterated with `for (const batch of loader)` sees samples in order and the
// transforms draw random numbers in PyTorch's order. `getAsync(i)` decodes without blocking (several can
// overlap under `for await`), then applies the transforms.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { classArgs, withArgs, api, type PyRest } from '../../args.js';
import { openImage, openImageSync } from '../io/decode.js';
import { VisionDataset, datasetOptions, type VisionDatasetOptions } from './vision-dataset.js';

/** torchvision's IMG_EXTENSIONS. */
export const IMG_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'];

export const hasFileAllowedExtension = withArgs('hasFileAllowedExtension', 'torchvision.datasets.folder.has_file_allowed_extension', 'filename, extensions', hasFileAllowedExtensionImpl);
function hasFileAllowedExtensionImpl(filename: string, extensions: readonly string[]): boolean {
  const f = filename.toLowerCase();
  return extensions.some((e) => f.endsWith(e.toLowerCase()));
}

export const isImageFile = withArgs('isImageFile', 'torchvision.datasets.folder.is_image_file', 'filename', (filename: string): boolean => hasFileAllowedExtension(filename, IMG_EXTENSIONS));

// Python compares str by code point; JavaScript's `<` by UTF-16 unit: the same order outside astral planes.
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** find_classes: the sorted names of the sub-folders of `directory`, and their indices. */
export const findClasses = withArgs('findClasses', 'torchvision.datasets.folder.find_classes', 'directory', findClassesImpl);
function findClassesImpl(directory: string): [string[], Record<string, number>] {
  let entries;
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch (e) {
    throw new Error(`findClasses: cannot read the folder '${directory}': ${(e as Error).message}`);
  }
  const classes = entries.filter((e) => e.isDirectory() || (e.isSymbolicLink() && isDir(join(directory, e.name))))
    .map((e) => e.name).sort(byCodePoint);
  if (classes.length === 0) throw new Error(`Couldn't find any class folder in ${directory}.`);
  const classToIdx: Record<string, number> = {};
  classes.forEach((c, i) => { classToIdx[c] = i; });
  return [classes, classToIdx];
}

function isDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

/** os.walk(top, followlinks=True) sorted as torchvision sorts it: by folder path, files sorted within. */
function walk(top: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  const visit = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true });
    const files: string[] = [];
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory() || (e.isSymbolicLink() && isDir(p))) visit(p);
      else files.push(e.name);
    }
    out.push([dir, files.sort(byCodePoint)]);
  };
  visit(top);
  return out.sort((a, b) => byCodePoint(a[0], b[0]));
}

export interface MakeDatasetOptions {
  extensions?: readonly string[] | null;
  isValidFile?: ((path: string) => boolean) | null;
  allowEmpty?: boolean;
}

/** make_dataset: [path, classIndex] pairs. */
export const makeDataset = api<(directory: string, classToIdx: Record<string, number>,
  ...rest: PyRest<MakeDatasetOptions, ['extensions', 'isValidFile']>) => [string, number][]>('makeDataset', 'torchvision.datasets.folder.make_dataset', 'directory, classToIdx:dict; extensions, isValidFile, *, allowEmpty', makeDatasetImpl);
function makeDatasetImpl(directory: string, classToIdx: Record<string, number>, opts: MakeDatasetOptions = {}): [string, number][] {
  const ext = opts.extensions ?? null;
  const valid = opts.isValidFile ?? null;
  if ((ext === null) === (valid === null)) throw new TypeError('Both extensions and isValidFile cannot be None or not None at the same time');
  const ok = valid ?? ((p: string) => hasFileAllowedExtension(p, ext!));
  const instances: [string, number][] = [];
  const available = new Set<string>();
  for (const cls of Object.keys(classToIdx).sort(byCodePoint)) {
    const idx = classToIdx[cls]!;
    const dir = join(directory, cls);
    if (!isDir(dir)) continue;
    for (const [root, files] of walk(dir)) {
      for (const f of files) {
        const p = join(root, f);
        if (ok(p)) { instances.push([p, idx]); available.add(cls); }
      }
    }
  }
  const empty = Object.keys(classToIdx).filter((c) => !available.has(c)).sort(byCodePoint);
  if (empty.length > 0 && !opts.allowEmpty) {
    let msg = `Found no valid file for the classes ${empty.join(', ')}. `;
    if (ext !== null) msg += `Supported extensions are: ${ext.join(', ')}`;
    throw new Error(msg);
  }
  return instances;
}

export interface DatasetFolderOptions<S = unknown> extends VisionDatasetOptions, MakeDatasetOptions {
  /** Reads one file (synchronously) for `get(i)`. */
  loader: (path: string) => S;
  /** Reads one file for `getAsync(i)` (default: `loader`). */
  asyncLoader?: (path: string) => Promise<S>;
  /**
   * 'throw' (default): a file that cannot be loaded throws, naming it. 'skip': it is reported once with a
   * warning, counted in `skipped`, and the next loadable sample (i + 1, i + 2, ... wrapping round) is
   * returned in its place, so a long run survives a few corrupt files.
   */
  onError?: 'throw' | 'skip';
}

export class DatasetFolder<S = unknown, I = any, Tg = any> extends VisionDataset<I, Tg> {
  readonly loader: (path: string) => S;
  readonly asyncLoader: (path: string) => Promise<S>;
  readonly extensions: readonly string[] | null;
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  readonly samples: [string, number][];
  readonly targets: number[];
  readonly onError: 'throw' | 'skip';
  /** Files that failed to load under onError 'skip', with the reason. */
  readonly skipped = new Map<string, string>();

  /** torchvision's order (root, loader, extensions, transform, targetTransform, isValidFile), or an options object. */
  constructor(root: string, loader: (path: string) => S, ...rest: PyRest<Omit<DatasetFolderOptions<S>, 'root' | 'loader'>, ['extensions', 'transform', 'targetTransform', 'isValidFile']>);
  constructor(opts: DatasetFolderOptions<S>);
  constructor(...args: unknown[]) {
    const opts = datasetOptions(DatasetFolder, args) as DatasetFolderOptions<S>;
    super(opts);
    if (typeof opts.loader !== 'function') throw new TypeError(`${new.target.name}: the loader option (path => sample) is required`);
    const onError = opts.onError ?? 'throw';
    if (onError !== 'throw' && onError !== 'skip') throw new RangeError(`${new.target.name}: onError must be 'throw' or 'skip', got '${String(onError)}'`);
    this.onError = onError;
    const [classes, classToIdx] = this.findClasses(this.root);
    this.classes = classes;
    this.classToIdx = classToIdx;
    this.extensions = opts.extensions ?? null;
    this.samples = makeDataset(this.root, classToIdx, { extensions: opts.extensions ?? null, isValidFile: opts.isValidFile ?? null, allowEmpty: opts.allowEmpty });
    this.targets = this.samples.map((s) => s[1]);
    this.loader = opts.loader;
    this.asyncLoader = opts.asyncLoader ?? (async (p: string) => opts.loader(p));
  }

  /** Override to use another class layout (as torchvision's find_classes). */
  protected findClasses(directory: string): [string[], Record<string, number>] { return findClasses(directory); }

  get length(): number { return this.samples.length; }

  private check(index: number): number {
    const n = this.samples.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`${this.constructor.name}: index ${index} is out of range for ${n} samples`);
    return index < 0 ? index + n : index;
  }

  private fail(path: string, e: unknown): void {
    const why = e instanceof Error ? e.message : String(e);
    if (this.onError === 'throw') throw e instanceof Error && why.includes(path) ? e : new Error(`cannot load '${path}': ${why}`);
    if (!this.skipped.has(path)) {
      this.skipped.set(path, why);
      process.emitWarning(`${this.constructor.name}: skipping '${path}' (${why}); ${this.skipped.size} file(s) skipped so far`);
    }
  }

  get(index: number): [I, Tg] {
    const start = this.check(index);
    const n = this.samples.length;
    for (let k = 0; k < n; k++) {
      const [path, target] = this.samples[(start + k) % n]!;
      let img: S;
      try {
        img = this.loader(path);
      } catch (e) {
        this.fail(path, e);
        continue;
      }
      return this.sample(img, target);
    }
    throw new Error(`${this.constructor.name}: no sample of ${this.root} could be loaded (${this.skipped.size} skipped)`);
  }

  async getAsync(index: number): Promise<[I, Tg]> {
    const start = this.check(index);
    const n = this.samples.length;
    for (let k = 0; k < n; k++) {
      const [path, target] = this.samples[(start + k) % n]!;
      let img: S;
      try {
        img = await this.asyncLoader(path);
      } catch (e) {
        this.fail(path, e);
        continue;
      }
      return this.sample(img, target);
    }
    throw new Error(`${this.constructor.name}: no sample of ${this.root} could be loaded (${this.skipped.size} skipped)`);
  }
}

/** ImageFolder's default loader: PIL's open(...).convert('RGB') (an RGBImage). */
export const defaultLoader = (path: string) => openImageSync(path, { mode: 'RGB' });

export interface ImageFolderOptions<S = unknown> extends VisionDatasetOptions {
  loader?: (path: string) => S;
  asyncLoader?: (path: string) => Promise<S>;
  isValidFile?: ((path: string) => boolean) | null;
  allowEmpty?: boolean;
  onError?: 'throw' | 'skip';
}

export class ImageFolder<I = any, Tg = any> extends DatasetFolder<any, I, Tg> {
  /** Same as `samples`, as in torchvision. */
  readonly imgs: [string, number][];
  /** torchvision's order (root, transform, targetTransform, loader, isValidFile), or an options object (root among them). */
  constructor(root: string, ...rest: PyRest<Omit<ImageFolderOptions, 'root'>, ['transform', 'targetTransform', 'loader', 'isValidFile']>);
  constructor(opts: ImageFolderOptions);
  constructor(...args: unknown[]) {
    const opts = datasetOptions(ImageFolder, args) as ImageFolderOptions;
    const custom = opts.loader !== undefined;
    super({
      ...opts,
      loader: opts.loader ?? defaultLoader,
      asyncLoader: opts.asyncLoader ?? (custom ? undefined : (p: string) => openImage(p, { mode: 'RGB' })),
      extensions: opts.isValidFile ? null : IMG_EXTENSIONS,
      isValidFile: opts.isValidFile ?? null,
    });
    this.imgs = this.samples;
  }
}

classArgs(DatasetFolder, 'torchvision.datasets.DatasetFolder', '; root, loader, extensions, transform, targetTransform, isValidFile, *, asyncLoader, allowEmpty, onError');
classArgs(ImageFolder, 'torchvision.datasets.ImageFolder', '; root, transform, targetTransform, loader, isValidFile, *, asyncLoader, allowEmpty, onError');
