// Transfer learning on the zoo's models: where each family keeps its classification head (and auxiliary
// heads), replacing them for a new number of classes as the chapter does (`model.classifier[6] =
// nn.Linear(4096, 2)`), freezing parts of the network, disabling dropout for deterministic comparisons,
// and keeping the weights of the best validation epoch.
import * as torch from '../index.js';
import { Module } from '../nn/module.js';
import { setStateDictMetadata, stateDictMetadata } from '../serialization/state-dict.js';
import { Linear } from '../nn/modules/linear.js';
import { Conv2d, Conv3d } from '../nn/modules/conv.js';
import { Dropout } from '../nn/modules/dropout.js';
import type { StateDict } from '../nn/module.js';
import { logitsOf, type Criterion } from './classifier.js';

/**
 * Where a family's heads are, as paths of attributes; a negative number counts from the end of a Sequential
 * (Python's `classifier[-1]`). The first path is the main head, the others auxiliary heads.
 */
const HEADS: [RegExp, string[]][] = [
  [/^(alexnet|vgg)/, ['classifier.-1']],
  [/^(mobilenet|mnasnet|efficientnet|convnext)/, ['classifier.-1']],
  // the vision transformers (issue 12)
  [/^vit_/, ['heads.head']],
  [/^swin_/, ['head']],
  [/^maxvit_/, ['classifier.-1']],
  [/^squeezenet/, ['classifier.1']],
  [/^densenet/, ['classifier']],
  [/^googlenet/, ['fc', 'aux1.fc2', 'aux2.fc2']],
  [/^inception/, ['fc', 'AuxLogits.fc']],
  [/^(resnet|resnext|wide_resnet|shufflenet|regnet)/, ['fc']],
  [/^lenet/, ['fc3']],
  // video classifiers (vision.models.video)
  [/^(r3d|mc3|r2plus1d)_/, ['fc']],
  [/^s3d/, ['classifier.1']],
  [/^mvit/, ['head.1']],
];

export interface HeadRef {
  /** The dotted name as in the state dict ('classifier.6'). */
  path: string;
  parent: Module;
  key: string;
  module: Linear | Conv2d | Conv3d;
}

/** Whether the model is a classifier with a known head (optical-flow models, for one, are not). */
export function hasClassificationHead(name: string): boolean { return HEADS.some(([re]) => re.test(name)); }

function headPaths(name: string): string[] {
  const entry = HEADS.find(([re]) => re.test(name));
  if (!entry) throw new Error(`no known classification head for model '${name}' (families: ${HEADS.map(([re]) => re.source).join(' ')})`);
  return entry[1];
}

function resolve(model: Module, spec: string): HeadRef | null {
  let parent: Module | null = null;
  let key = '';
  let cur: Module = model;
  const names: string[] = [];
  for (const part of spec.split('.')) {
    const kids = cur.namedChildren();
    let idx: number;
    if (/^-?\d+$/.test(part)) {
      const n = Number(part);
      idx = n < 0 ? kids.length + n : kids.findIndex(([k]) => k === part);
    } else {
      idx = kids.findIndex(([k]) => k === part);
    }
    if (idx < 0 || idx >= kids.length) return null;
    parent = cur;
    [key, cur] = kids[idx]!;
    names.push(key);
  }
  if (!(cur instanceof Linear) && !(cur instanceof Conv2d) && !(cur instanceof Conv3d)) {
    throw new Error(`the head '${names.join('.')}' is a ${cur._getName()}, not a Linear, Conv2d or Conv3d layer`);
  }
  return { path: names.join('.'), parent: parent!, key, module: cur };
}

/** The model's classification heads: the main one first, then any auxiliary head the model has now. */
export function findHeads(model: Module, modelName: string): HeadRef[] {
  const specs = headPaths(modelName);
  const main = resolve(model, specs[0]!);
  if (!main) throw new Error(`model '${modelName}' has no head at '${specs[0]}'`);
  return [main, ...specs.slice(1).map((s) => resolve(model, s)).filter((h): h is HeadRef => h !== null)];
}

/** The state-dict key of the main head's weight ('classifier.6.weight'), for reading a checkpoint's class count. */
export function headWeightKey(modelName: string, model: Module): string {
  return `${findHeads(model, modelName)[0]!.path}.weight`;
}

/**
 * Replaces every head with a fresh layer of `numClasses` outputs, drawn from the generator as PyTorch's
 * constructor draws (so a seed gives PyTorch's new head). Returns the replaced paths.
 */
export function replaceHead(model: Module, modelName: string, numClasses: number): string[] {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`replaceHead: numClasses must be a positive integer, got ${numClasses}`);
  const heads = findHeads(model, modelName);
  for (const h of heads) {
    const m = h.module;
    const fresh = m instanceof Linear
      ? new Linear(m.inFeatures, numClasses, { bias: m.bias !== null })
      : m instanceof Conv3d
        ? new Conv3d(m.inChannels, numClasses, m.kernelSize as [number, number, number], { stride: m.stride as [number, number, number] })
        : new Conv2d(m.inChannels, numClasses, m.kernelSize as [number, number], { stride: m.stride as [number, number] });
    (h.parent as unknown as Record<string, Module>)[h.key] = fresh;
  }
  // SqueezeNet reshapes its output by this attribute, as the PyTorch tutorial sets `model.num_classes`.
  if ('numClasses' in model) (model as unknown as { numClasses: number }).numClasses = numClasses;
  return heads.map((h) => h.path);
}

/**
 * Freezes parameters (requiresGrad false). `parts`: submodule paths ('features', 'layer1'), or 'all' for every
 * parameter outside the heads (feature extraction), or 'none'. Returns the number of frozen parameters.
 */
export function freeze(model: Module, modelName: string, parts: readonly string[]): number {
  let frozen = 0;
  const heads = new Set(findHeads(model, modelName).map((h) => h.path));
  const inHead = (name: string): boolean => [...heads].some((h) => name === h || name.startsWith(h + '.'));
  for (const part of parts) {
    if (part === 'none' || part === '') continue;
    if (part === 'all') {
      for (const [name, p] of model.namedParameters()) {
        if (!inHead(name) && p.requiresGrad) { p.requiresGrad_(false); frozen += p.numel(); }
      }
      continue;
    }
    let sub: Module;
    try {
      sub = model.getSubmodule(part);
    } catch {
      const top = model.namedChildren().map(([k]) => k).join(', ');
      throw new Error(`freeze: the model has no submodule '${part}' (its children: ${top})`);
    }
    for (const p of sub.parameters()) if (p.requiresGrad) { p.requiresGrad_(false); frozen += p.numel(); }
  }
  return frozen;
}

/** The parameters the optimizer should update (those that still require gradients). */
export function trainableParameters(model: Module): torch.Tensor[] {
  return model.parameters().filter((p) => p.requiresGrad);
}

/** Sets every Dropout's probability to 0, for runs compared step by step (PyTorch: `m.p = 0.0`). */
export function disableDropout(model: Module): number {
  let n = 0;
  for (const m of model.modules()) if (m instanceof Dropout) { m.p = 0; n++; }
  return n;
}

/**
 * The training loss of a model's output: the criterion on the logits, plus the auxiliary heads' losses as
 * torchvision's references weigh them (Inception v3: 0.4; GoogLeNet: 0.3 each) when the model returns them.
 */
export function finetuneLoss(criterion: Criterion): (out: unknown, y: torch.Tensor) => torch.Tensor {
  return (out, y) => {
    const main = criterion.call(logitsOf(out), y);
    if (out instanceof torch.Tensor) return main;
    const o = out as { auxLogits?: torch.Tensor | null; aux1?: torch.Tensor | null; aux2?: torch.Tensor | null };
    let loss = main;
    if (o.auxLogits) loss = loss.add(criterion.call(o.auxLogits, y).mul(0.4));
    if (o.aux1) loss = loss.add(criterion.call(o.aux1, y).mul(0.3));
    if (o.aux2) loss = loss.add(criterion.call(o.aux2, y).mul(0.3));
    return loss;
  };
}

/** The weights of the best epoch so far, copied aside (the chapter's `copy.deepcopy(model.state_dict())`). */
export class BestWeights {
  accuracy = -Infinity;
  epoch = 0;
  private state: StateDict | null = null;

  /** Keeps a copy of the model's state if `accuracy` beats the best so far; true when it did. */
  update(model: Module, accuracy: number, epoch: number): boolean {
    if (!(accuracy > this.accuracy)) return false;
    this.dispose();
    const sd = model.stateDict();
    // as Python's copy.deepcopy(model.state_dict()): the module versions (_metadata) come along, so that the
    // saved best.pth loads in torchvision (MNASNet refuses a dict without them)
    const copy: StateDict = setStateDictMetadata({}, stateDictMetadata(sd));
    torch.noGrad(() => { for (const [k, v] of Object.entries(sd)) copy[k] = torch.keep(v.clone()); });
    this.state = copy;
    this.accuracy = accuracy;
    this.epoch = epoch;
    return true;
  }

  get stateDict(): StateDict | null { return this.state; }

  /** Loads the best weights back into the model (no-op before the first update). */
  restore(model: Module): void {
    if (this.state) model.loadStateDict(this.state);
  }

  dispose(): void {
    if (this.state) for (const t of Object.values(this.state)) t.dispose();
    this.state = null;
  }
}
