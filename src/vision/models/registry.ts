// torchvision.models' registry: list_models, get_model, get_model_weights. Each family file registers its
// builders when it is loaded, so the registry knows every model exported by vision.models (classification) and
// its sub-modules (vision.models.segmentation); listModels({ module }) lists one of them, as
// list_models(module=torchvision.models.segmentation) does.
import type { Module } from '../../nn/module.js';
import type { Weights, WeightsEnum } from './weights.js';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(getModel, 'getModel', 'torchvision.models.get_model', 'name, **config');
registerSignature(getModelBuilder, 'getModelBuilder', 'torchvision.models.get_model_builder', 'name');
registerSignature(getModelWeights, 'getModelWeights', 'torchvision.models.get_model_weights', 'name');
registerSignature(getWeight, 'getWeight', 'torchvision.models.get_weight', 'name');
registerSignature(listModels, 'listModels', 'torchvision.models.list_models', '; module, *, include');
registerSignature(registerModel, 'registerModel', 'torchvision.models.register_model', 'name, builder, weights?');

export type ModelBuilder<O = any> = (opts?: O) => Module;

interface Entry {
  builder: ModelBuilder;
  weights: WeightsEnum<unknown> | null;
}

const registry = new Map<string, Entry>();

/** Registers a builder under torchvision's name ('resnet50'); a second registration of a name is an error. */
export function registerModel(name: string, builder: ModelBuilder, weights: WeightsEnum<any> | null = null): void {
  [name, builder, weights = null] = bindOwn(registerModel, arguments) as Parameters<typeof registerModel>;
  if (registry.has(name)) throw new Error(`An entry is already registered under the name '${name}'.`);
  registry.set(name, { builder, weights });
}

function entry(name: string): Entry {
  const e = registry.get(name.toLowerCase());
  if (!e) throw new Error(`Unknown model ${name}; available models: ${listModels().join(', ')}`);
  return e;
}

/**
 * The registered model names, sorted (torchvision.models.list_models). `module` keeps the builders that a module
 * namespace exports: `listModels({ module: vision.models })` (classification), `{ module: vision.models.segmentation }`.
 */
export function listModels(opts: { include?: string; module?: object } = {}): string[] {
  [opts = {}] = bindOwn(listModels, arguments) as Parameters<typeof listModels>;
  let names = [...registry.keys()].sort();
  if (opts.module) {
    const exported = new Set(Object.values(opts.module));
    names = names.filter((n) => exported.has(registry.get(n)!.builder));
  }
  if (!opts.include) return names;
  const re = new RegExp('^' + opts.include.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return names.filter((n) => re.test(n));
}

/** The builder registered under a name (torchvision.models.get_model_builder). */
export function getModelBuilder(name: string): ModelBuilder { [name] = bindOwn(getModelBuilder, arguments) as Parameters<typeof getModelBuilder>;
                                                              return entry(name).builder; }

/** Builds a model by name with the builder's options: `getModel('resnet50', { weights: 'DEFAULT' })`. */
export function getModel(name: string, config?: Record<string, unknown>): Module;
/** Python's `get_model(name='resnet18', num_classes=10)`: every keyword in one object, the name among them. */
export function getModel(kwargs: { name: string } & Record<string, unknown>): Module;
export function getModel(...args: unknown[]): Module {
  // the binder collects every keyword other than name into config (Python's **config)
  const [name, config = {}] = bindOwn(getModel, args) as [string, Record<string, unknown>?];
  return entry(name).builder(config);
}

/** The weights enum of a model (torchvision.models.get_model_weights). */
export function getModelWeights(name: string): WeightsEnum<unknown> {
  [name] = bindOwn(getModelWeights, arguments) as Parameters<typeof getModelWeights>;
  const w = entry(name).weights;
  if (!w) throw new Error(`model '${name}' has no published weights`);
  return w;
}

/** One published checkpoint by its full name: 'ResNet50_Weights.IMAGENET1K_V1' (torchvision.models.get_weight). */
export function getWeight(fullName: string): Weights<unknown> {
  [fullName] = bindOwn(getWeight, arguments) as Parameters<typeof getWeight>;
  const dot = fullName.indexOf('.');
  if (dot < 0) throw new Error(`Invalid weight name provided: '${fullName}' (expected 'Enum_Name.MEMBER')`);
  const enumName = fullName.slice(0, dot);
  for (const e of registry.values()) if (e.weights?.enumName === enumName) return e.weights.get(fullName.slice(dot + 1));
  throw new Error(`The weight enum '${enumName}' for the specific method couldn't be retrieved.`);
}
