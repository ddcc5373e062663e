// torchvision.models' registry: list_models, get_model, get_model_weights. Each family file registers its
// builders when it is loaded, so the registry knows every model exported by vision.models.
import type { Module } from '../../nn/module.js';
import type { WeightsEnum } from './weights.js';

export type ModelBuilder<O = any> = (opts?: O) => Module;

/** torchvision's model modules: models (classification) and models.detection. */
export type ModelModule = 'classification' | 'detection';

interface Entry {
  builder: ModelBuilder;
  weights: WeightsEnum | null;
  module: ModelModule;
}

const registry = new Map<string, Entry>();

/** Registers a builder under torchvision's name ('resnet50'); a second registration of a name is an error. */
export function registerModel(name: string, builder: ModelBuilder, weights: WeightsEnum | null = null, module?: ModelModule): void {
  if (registry.has(name)) throw new Error(`An entry is already registered under the name '${name}'.`);
  // Without an explicit module, weights whose preset is ObjectDetection make a detection model.
  const m = module ?? (weights?.values()[0]?.transformParams.kind === 'ObjectDetection' ? 'detection' : 'classification');
  registry.set(name, { builder, weights, module: m });
}

function entry(name: string): Entry {
  const e = registry.get(name.toLowerCase());
  if (!e) throw new Error(`Unknown model ${name}; available models: ${listModels({ module: 'all' }).join(', ')}`);
  return e;
}

/**
 * The registered model names, sorted: the classification models, as torchvision's
 * `list_models(module=torchvision.models)`; `{ module: 'detection' }` lists torchvision.models.detection's and
 * `{ module: 'all' }` both (torchvision's list_models() without a module). getModel and the other look-ups take any.
 */
export function listModels(opts: { include?: string; module?: ModelModule | 'all' } = {}): string[] {
  const module = opts.module ?? 'classification';
  const names = [...registry.entries()].filter(([, e]) => module === 'all' || e.module === module).map(([n]) => n).sort();
  if (!opts.include) return names;
  const re = new RegExp('^' + opts.include.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return names.filter((n) => re.test(n));
}

/** The builder registered under a name (torchvision.models.get_model_builder). */
export function getModelBuilder(name: string): ModelBuilder { return entry(name).builder; }

/** Builds a model by name with the builder's options: `getModel('resnet50', { weights: 'DEFAULT' })`. */
export function getModel(name: string, opts: Record<string, unknown> = {}): Module { return entry(name).builder(opts); }

/** The weights enum of a model (torchvision.models.get_model_weights). */
export function getModelWeights(name: string): WeightsEnum {
  const w = entry(name).weights;
  if (!w) throw new Error(`model '${name}' has no published weights`);
  return w;
}

/** One published checkpoint by its full name: 'ResNet50_Weights.IMAGENET1K_V1' (torchvision.models.get_weight). */
export function getWeight(fullName: string): ReturnType<WeightsEnum['get']> {
  const dot = fullName.indexOf('.');
  if (dot < 0) throw new Error(`Invalid weight name provided: '${fullName}' (expected 'Enum_Name.MEMBER')`);
  const enumName = fullName.slice(0, dot);
  for (const e of registry.values()) if (e.weights?.enumName === enumName) return e.weights.get(fullName.slice(dot + 1));
  throw new Error(`The weight enum '${enumName}' for the specific method couldn't be retrieved.`);
}
