// Pretrained weights, as torchvision's WeightsEnum: `ResNet50_Weights.IMAGENET1K_V2` carries the checkpoint URL,
// its metadata (parameter count, accuracies, categories) and the inference transform. The table itself is
// generated from torchvision (scripts/gen-weights-table.py -> weights-data.ts).
import { existsSync } from 'node:fs';
import { WEIGHTS_DATA } from './weights-data.js';
import { IMAGENET_CLASSES } from './imagenet-classes.js';
import { cachedCheckpoint, cachedCheckpointSync, type DownloadOptions } from './weights-hub.js';
import { loadCheckpointFile } from './weights-load.js';
import { ImageClassification } from './weights-transforms.js';
import type { Module, StateDict } from '../../nn/module.js';
import { Tensor } from '../../tensor.js';
import { zeros } from '../../creation.js';
import { bindOwn, classArgs, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(weightsEnum, 'weightsEnum', 'tstorch.vision.models.weightsEnum', 'name');

type Data = typeof WEIGHTS_DATA;
export type WeightsEnumName = keyof Data;

/** The parameters of torchvision's ImageClassification preset (resize, centre crop, scale to [0, 1], normalise). */
export interface ClassificationTransformParams {
  kind: string;
  cropSize: number[];
  resizeSize: number[];
  mean: number[];
  std: number[];
  /** 'bilinear' or 'bicubic'. */
  interpolation: string;
}

export interface WeightsMeta {
  numParams: number;
  minSize: [number, number];
  /** Null for weights without a classifier head (VGG16 IMAGENET1K_FEATURES). */
  categories: readonly string[] | null;
  /** Per data set, e.g. `{ 'ImageNet-1K': { 'acc@1': 76.13, 'acc@5': 92.862 } }`. */
  metrics: Record<string, Record<string, number>>;
  recipe: string | null;
  docs?: string;
  /** Giga multiply-adds per image; torchvision 0.14 does not publish it, so it is absent for now. */
  gflops?: number;
  extra?: Record<string, unknown>;
}

/** One entry as scripts/gen-weights-table.py writes it ('imagenet1k' stands for IMAGENET_CLASSES). */
export interface RawWeightsEntry {
  readonly url: string;
  readonly fileName: string;
  readonly numParams: number;
  readonly minSize: readonly number[];
  readonly categories: 'imagenet1k' | readonly string[] | null;
  readonly metrics: { readonly [dataset: string]: { readonly [metric: string]: number } };
  readonly recipe?: string | null;
  readonly docs?: string;
  readonly gflops?: number;
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly transforms: { readonly [K in keyof ClassificationTransformParams]: ClassificationTransformParams[K] extends number[] ? readonly number[] : ClassificationTransformParams[K] };
}

/** Builds a weights entry's inference transform from its parameters (a family's preset, e.g. VideoClassification). */
export type PresetFactory<P> = (params: ClassificationTransformParams) => P;
/**
 * The keys of a weights entry's transform parameters that a preset's constructor takes (the table also records
 * `kind`, which says which preset it is, and a segmentation entry's null crop size): the presets are bound to
 * torchvision's keyword arguments and refuse the rest.
 */
export function presetArgs<K extends string>(p: object, keys: readonly K[]): { [k in K]: never } {
  const src = p as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => src[k] !== undefined && src[k] !== null).map((k) => [k, src[k]])) as { [k in K]: never };
}
const IMAGE_PRESET_KEYS = ['cropSize', 'resizeSize', 'mean', 'std', 'interpolation'] as const;
const imagePreset: PresetFactory<ImageClassification> = (p) => new ImageClassification(presetArgs(p, IMAGE_PRESET_KEYS));

/** One published checkpoint (a member of a weights enum); P is its preset (ImageClassification for images). */
export class Weights<P = ImageClassification> {
  readonly url: string;
  readonly fileName: string;
  readonly meta: WeightsMeta;
  readonly transformParams: ClassificationTransformParams;
  private readonly preset: PresetFactory<P>;

  readonly enumName: string;
  readonly name: string;
  constructor(enumName: string, name: string, e: RawWeightsEntry, preset?: PresetFactory<P>) {
    [enumName, name, e, preset] = bindOwn(Weights, arguments) as [typeof enumName, typeof name, typeof e, typeof preset];
    this.enumName = enumName;
    this.name = name;
    this.preset = preset ?? (imagePreset as unknown as PresetFactory<P>);
    this.url = e.url;
    this.fileName = e.fileName;
    this.transformParams = structuredClone(e.transforms) as ClassificationTransformParams;
    this.meta = {
      numParams: e.numParams,
      minSize: [e.minSize[0], e.minSize[1]],
      categories: e.categories === 'imagenet1k' ? IMAGENET_CLASSES : e.categories === null ? null : [...(e.categories as readonly string[])],
      metrics: structuredClone(e.metrics) as Record<string, Record<string, number>>,
      recipe: e.recipe ?? null,
      ...(e.docs ? { docs: e.docs } : {}),
      ...(e.gflops !== undefined ? { gflops: e.gflops } : {}),
      ...(e.extra ? { extra: structuredClone(e.extra) } : {}),
    };
  }

  /** The inference preprocessing (torchvision's preset, ImageClassification for images, with these weights' sizes). */
  transforms(): P {
    return this.preset(this.transformParams);
  }

  /** Where the checkpoint is (or will be) cached. */
  async download(opts: DownloadOptions = {}): Promise<string> {
    return cachedCheckpoint(this.url, { fileName: this.fileName, ...opts });
  }

  /** The checkpoint's state dict, downloaded into torch.hub's cache when needed (blocking). */
  getStateDict(opts: DownloadOptions = {}): StateDict {
    return loadCheckpointFile(cachedCheckpointSync(this.url, { fileName: this.fileName, ...opts }));
  }

  toString(): string { return `${this.enumName}.${this.name}`; }
}
classArgs(Weights, 'torchvision.models.Weights', 'enumName, name, e:dict, preset?');

/** A generated table of weights enums: { EnumName: { default, entries: { MEMBER: entry } } }. */
export type WeightsTable = { readonly [enumName: string]: { readonly default: string; readonly entries: { readonly [member: string]: RawWeightsEntry } } };

/** A model's published checkpoints by name (`IMAGENET1K_V1`, ...), plus `DEFAULT`. */
export class WeightsEnum<P = ImageClassification> {
  readonly DEFAULT: Weights<P>;
  private readonly entries: Map<string, Weights<P>>;

  readonly enumName: string;
  /** An enum of the classification table, or of another family's table (`table`) with that family's preset. */
  constructor(enumName: string, table?: WeightsTable, preset?: PresetFactory<P>) {
    [enumName, table, preset] = bindOwn(WeightsEnum, arguments) as [typeof enumName, typeof table, typeof preset];
    this.enumName = enumName;
    const d = (table ?? (WEIGHTS_DATA as unknown as WeightsTable))[enumName];
    if (!d) throw new Error(`unknown weights enum '${enumName}'`);
    this.entries = new Map(Object.entries(d.entries).map(([k, e]) => [k, new Weights<P>(enumName, k, e, preset)]));
    for (const [k, w] of this.entries) Object.defineProperty(this, k, { value: w, enumerable: true });
    this.DEFAULT = this.entries.get(d.default)!;
  }

  /** The checkpoints, in torchvision's order (DEFAULT is an alias, not listed). */
  values(): Weights<P>[] { return [...this.entries.values()]; }
  names(): string[] { return [...this.entries.keys()]; }
  [Symbol.iterator](): Iterator<Weights<P>> { return this.values()[Symbol.iterator](); }

  /** A member by name: 'IMAGENET1K_V1', 'DEFAULT' or 'ResNet50_Weights.IMAGENET1K_V1'. */
  get(name: string): Weights<P> {
    const short = name.startsWith(`${this.enumName}.`) ? name.slice(this.enumName.length + 1) : name;
    if (short === 'DEFAULT') return this.DEFAULT;
    const w = this.entries.get(short);
    if (!w) throw new Error(`${this.enumName} has no weights '${name}' (available: ${['DEFAULT', ...this.entries.keys()].join(', ')})`);
    return w;
  }

  /** torchvision's WeightsEnum.verify: a member of this enum, or an error naming the enum expected. */
  verify(obj: Weights<any> | string | null | undefined): Weights<P> | null {
    if (obj === null || obj === undefined) return null;
    if (typeof obj === 'string') return this.get(obj);
    if (!(obj instanceof Weights) || obj.enumName !== this.enumName) {
      throw new TypeError(`Invalid Weight class provided; expected ${this.enumName} but received ${obj instanceof Weights ? obj.enumName : typeof obj}.`);
    }
    return obj as Weights<P>;
  }

  toString(): string { return this.enumName; }
}
classArgs(WeightsEnum, 'torchvision.models.WeightsEnum', 'enumName, table?:dict, preset?');

export type WeightsEnumOf<E extends WeightsEnumName> = WeightsEnum & { readonly [K in keyof Data[E]['entries']]: Weights };

const enums = new Map<string, WeightsEnum<any>>();
/** The weights enum named as torchvision names it ('ResNet50_Weights'). */
export function weightsEnum<E extends WeightsEnumName>(name: E): WeightsEnumOf<E> {
  [name] = bindOwn(weightsEnum, arguments) as [typeof name];
  let e = enums.get(name);
  if (!e) enums.set(name, (e = new WeightsEnum(name)));
  return e as WeightsEnumOf<E>;
}

/**
 * The weights enum `name` of another family's generated table (video, ...), whose entries build their
 * transforms with `preset`: `tableWeightsEnum(VIDEO_WEIGHTS_DATA, 'R3D_18_Weights', videoPreset)`.
 */
export function tableWeightsEnum<T extends WeightsTable, E extends keyof T & string, P>(table: T, name: E, preset: PresetFactory<P>):
  WeightsEnum<P> & { readonly [K in keyof T[E]['entries']]: Weights<P> } {
  let e = enums.get(name);
  if (!e) enums.set(name, (e = new WeightsEnum<P>(name, table, preset)));
  return e as WeightsEnum<P> & { readonly [K in keyof T[E]['entries']]: Weights<P> };
}

/**
 * A builder's `weights` option: a member of its enum, its name ('DEFAULT', 'IMAGENET1K_V1'), a path to a
 * checkpoint file, or null for random initialisation.
 */
export type WeightsArg = Weights<any> | string | null | undefined;

export type ResolvedWeights = { kind: 'none' } | { kind: 'published'; weights: Weights<any> } | { kind: 'file'; path: string };

function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || /\.(pth|pt|bin|ckpt|tar)$/.test(s);
}

export function resolveWeights(e: WeightsEnum<any>, arg: WeightsArg): ResolvedWeights {
  if (arg === null || arg === undefined) return { kind: 'none' };
  if (typeof arg === 'string' && looksLikePath(arg)) {
    if (!existsSync(arg)) throw new Error(`weights: checkpoint file '${arg}' does not exist`);
    return { kind: 'file', path: arg };
  }
  return { kind: 'published', weights: e.verify(arg)! };
}

/**
 * torchvision's _ovewrite_named_param: published weights fix an option (numClasses = number of categories);
 * a conflicting value given by the caller is an error.
 */
export function overwriteNamedParam<T extends Record<string, any>>(opts: T, key: keyof T & string, value: unknown): void {
  if (key in opts && opts[key] !== undefined) {
    if (opts[key] !== value) throw new Error(`The parameter '${key}' expected value ${JSON.stringify(value)} but got ${JSON.stringify(opts[key])} instead.`);
  } else {
    (opts as Record<string, unknown>)[key] = value;
  }
}

/**
 * An option that a builder fixes itself (swin_t's depths, vit_b_16's patch size) is an error naming it, as
 * torchvision's builders fail with "got multiple values for keyword argument".
 */
export function rejectFixedOptions(opts: object, keys: readonly string[]): void {
  const given = keys.filter((k) => (opts as Record<string, unknown>)[k] !== undefined);
  if (given.length) throw new TypeError(`${given.map((k) => `'${k}'`).join(', ')}: fixed by this builder (use the model class to choose ${given.length > 1 ? 'them' : 'it'})`);
}

/**
 * Checkpoints saved before PyTorch 0.4.1 (most of torchvision's original ImageNet files) have no
 * "num_batches_tracked"; PyTorch's BatchNorm fills it with 0 when the checkpoint's version metadata is older,
 * and so does this for every BatchNorm whose running statistics are present without the counter.
 */
export function addMissingBatchCounters(model: Module, sd: StateDict): StateDict {
  const out: StateDict = { ...sd };
  for (const [name, m] of model.namedModules()) {
    const p = name ? `${name}.` : '';
    const counter = (m as { num_batches_tracked?: unknown }).num_batches_tracked;
    if (counter instanceof Tensor && !(`${p}num_batches_tracked` in out) && `${p}running_mean` in out) {
      out[`${p}num_batches_tracked`] = zeros([], { dtype: 'int64' });
    }
  }
  return out;
}

/**
 * Loads resolved weights into a freshly built model (strict). `fixKeys` migrates a family's old checkpoint keys
 * (DenseNet's "norm.1"), as torchvision's per-family _load_state_dict does.
 */
export function loadWeights(model: Module, w: ResolvedWeights, opts: { progress?: boolean; fixKeys?: (sd: StateDict) => StateDict } = {}): void {
  if (w.kind === 'none') return;
  let sd = w.kind === 'published' ? w.weights.getStateDict({ progress: opts.progress ?? true }) : loadCheckpointFile(w.path);
  if (opts.fixKeys) sd = opts.fixKeys(sd);
  model.loadStateDict(addMissingBatchCounters(model, sd));
}

/** The options every builder takes besides its architecture's. */
export interface BuilderOptions {
  /** Published weights ('DEFAULT', 'IMAGENET1K_V1', a Weights member), a checkpoint path, or null (random). */
  weights?: WeightsArg;
  /** A progress bar while downloading (default true). */
  progress?: boolean;
}

/**
 * The common shape of torchvision's builders: resolve the weights, let published weights fix numClasses (and
 * whatever `fixOptions` sets), build, load strictly.
 */
export function buildModel<O extends BuilderOptions, M extends Module>(
  e: WeightsEnum<any>, opts: O, build: (o: O) => M,
  hooks: {
    /** The builder's own options besides weights and progress: any other key is an error naming it (not checked when absent). */
    options?: readonly string[];
    fixOptions?: (o: O, w: Weights<any>) => void; fixKeys?: (sd: StateDict) => StateDict; afterLoad?: (m: M) => void;
  } = {},
): M {
  if (hooks.options !== undefined) checkBuilderOptions(e.enumName.replace(/_Weights$/, '').toLowerCase(), opts, hooks.options);
  const o = { ...opts };
  const w = resolveWeights(e, o.weights);
  if (w.kind === 'published') {
    const cats = w.weights.meta.categories;
    if (cats !== null) overwriteNamedParam(o as Record<string, unknown>, 'numClasses', cats.length);
    hooks.fixOptions?.(o, w.weights);
  }
  // the model's constructor gets the model's options only, as torchvision's _resnet(block, layers, weights, progress,
  // **kwargs) passes kwargs: weights and progress are the builder's (the constructors refuse keys they do not take)
  const { weights: _weights, progress, ...modelOpts } = o;
  const model = build(modelOpts as O);
  loadWeights(model, w, { progress, fixKeys: hooks.fixKeys });
  if (w.kind === 'published') hooks.afterLoad?.(model);
  return model;
}

/**
 * A builder's options object: only `weights`, `progress` and the builder's own keys. torchvision's deprecated
 * `pretrained=True` would silently give random weights if ignored, so it is an error that says what to write.
 */
function checkBuilderOptions(builder: string, opts: unknown, own: readonly string[]): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new TypeError(`${builder}(): expected an options object, got ${String(opts)}`);
  for (const k of Object.keys(opts)) {
    if (k === 'weights' || k === 'progress' || own.includes(k)) continue;
    if (k === 'pretrained' || k === 'pretrainedBackbone') {
      throw new TypeError(`${builder}(): '${k}' is torchvision's deprecated form: write { weights: 'DEFAULT' } (or a weights entry, or a checkpoint path) for trained weights`);
    }
    const hint = own.find((o) => o.toLowerCase() === k.replace(/_/g, '').toLowerCase());
    throw new TypeError(`${builder}() got an unexpected keyword argument '${k}'${hint ? ` (did you mean '${hint}'?)` : ''}; it takes 'weights', 'progress'${own.map((o) => `, '${o}'`).join('')}`);
  }
}
