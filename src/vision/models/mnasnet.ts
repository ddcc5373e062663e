// MNASNet (Tan et al. 2018), as torchvision's mnasnet.py, including its checkpoint versions: version 1
// checkpoints (before depth scaling reached the stem) load into a model whose stem is rebuilt to match.
import { Module, stateDictMetadata, type StateDict, type LoadStateDictResult } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import * as nn from '../../nn/index.js';
import { Tensor } from '../../tensor.js';
import { registerModel } from './registry.js';
import { buildModel, weightsEnum, type BuilderOptions, type WeightsEnum } from './weights.js';
import { modelBuilder } from './builder-args.js';
import { bindOwn, classArgs, registerSignature, type PyRest } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(mnasnetDepths, 'mnasnetDepths', 'tstorch.vision.models.mnasnetDepths', 'alpha');

// The paper's 0.9997 is TensorFlow's decay; PyTorch's momentum is 1 - decay.
const BN_MOMENTUM = 1 - 0.9997;

/** MNASNet's block; torchvision calls it _InvertedResidual. */
export class MNASNetInvertedResidual extends Module {
  declare layers: Sequential;
  readonly applyResidual: boolean;

  constructor(inCh: number, outCh: number, kernelSize: number, stride: number, expansionFactor: number, bnMomentum = 0.1) {
    [inCh, outCh, kernelSize, stride, expansionFactor, bnMomentum = 0.1] = bindOwn(MNASNetInvertedResidual, arguments) as ConstructorParameters<typeof MNASNetInvertedResidual>;
    super();
    if (stride !== 1 && stride !== 2) throw new RangeError(`_InvertedResidual: stride should be 1 or 2 instead of ${stride}`);
    if (kernelSize !== 3 && kernelSize !== 5) throw new RangeError(`_InvertedResidual: kernelSize should be 3 or 5 instead of ${kernelSize}`);
    const midCh = inCh * expansionFactor;
    this.applyResidual = inCh === outCh && stride === 1;
    this.layers = new Sequential(
      // pointwise
      new nn.Conv2d(inCh, midCh, 1, { bias: false }),
      new nn.BatchNorm2d(midCh, { momentum: bnMomentum }),
      new nn.ReLU({ inplace: true }),
      // depthwise
      new nn.Conv2d(midCh, midCh, kernelSize, { padding: Math.floor(kernelSize / 2), stride, groups: midCh, bias: false }),
      new nn.BatchNorm2d(midCh, { momentum: bnMomentum }),
      new nn.ReLU({ inplace: true }),
      // linear pointwise: no activation
      new nn.Conv2d(midCh, outCh, 1, { bias: false }),
      new nn.BatchNorm2d(outCh, { momentum: bnMomentum }),
    );
  }

  override _getName(): string { return '_InvertedResidual'; }

  override forward(input: Tensor): Tensor {
    return this.applyResidual ? this.layers.call(input).add(input) : this.layers.call(input);
  }
}
classArgs(MNASNetInvertedResidual, 'tstorch.vision.models.MNASNetInvertedResidual', 'inCh, outCh, kernelSize, stride, expansionFactor, bnMomentum?');

function stack(inCh: number, outCh: number, kernelSize: number, stride: number, expFactor: number, repeats: number, bnMomentum: number): Sequential {
  if (repeats < 1) throw new RangeError(`repeats should be >= 1, instead got ${repeats}`);
  // the first block has no skip: the feature map changes size
  const first = new MNASNetInvertedResidual(inCh, outCh, kernelSize, stride, expFactor, bnMomentum);
  const remaining: Module[] = [];
  for (let i = 1; i < repeats; i++) remaining.push(new MNASNetInvertedResidual(outCh, outCh, kernelSize, 1, expFactor, bnMomentum));
  return new Sequential(first, ...remaining);
}

/** Rounds to a multiple of divisor, rounding up when rounding down would lose more than (1 - bias). */
function roundToMultipleOf(val: number, divisor: number, roundUpBias = 0.9): number {
  if (!(roundUpBias > 0 && roundUpBias < 1)) throw new RangeError(`roundUpBias should be greater than 0.0 and smaller than 1.0 instead of ${roundUpBias}`);
  const newVal = Math.max(divisor, Math.floor(Math.trunc(val + divisor / 2) / divisor) * divisor);
  return newVal >= roundUpBias * val ? newVal : newVal + divisor;
}

/** The channel counts of the stem and the six stacks, scaled by alpha. */
export function mnasnetDepths(alpha: number): number[] {
  [alpha] = bindOwn(mnasnetDepths, arguments) as Parameters<typeof mnasnetDepths>;
  return [32, 16, 24, 40, 80, 96, 192, 320].map((d) => roundToMultipleOf(d * alpha, 8));
}


export interface MNASNetOptions {
  numClasses?: number;
  dropout?: number;
}

export class MNASNet extends Module {
  /** Version 2 scales the stem's depth with alpha; version 1 kept it at 32/16 channels. */
  static readonly VERSION = 2;
  declare layers: Sequential;
  declare classifier: Sequential;
  readonly alpha: number;
  readonly numClasses: number;
  /** The checkpoint format this model is in (torchvision's _version): 1 after loading a version-1 checkpoint. */
  version: number = MNASNet.VERSION;

  constructor(alpha: number, ...rest: PyRest<MNASNetOptions, ['numClasses', 'dropout']>);
  constructor(...args: unknown[]) {
    const [alpha, opts = {}] = bindOwn(MNASNet, args) as [number, MNASNetOptions?];
    super();
    if (!(alpha > 0)) throw new RangeError(`alpha should be greater than 0.0 instead of ${alpha}`);
    this.alpha = alpha;
    this.numClasses = opts.numClasses ?? 1000;
    const depths = mnasnetDepths(alpha);
    const m = BN_MOMENTUM;
    this.layers = new Sequential(
      // first layer: regular conv
      new nn.Conv2d(3, depths[0]!, 3, { padding: 1, stride: 2, bias: false }),
      new nn.BatchNorm2d(depths[0]!, { momentum: m }),
      new nn.ReLU({ inplace: true }),
      // depthwise separable, no skip
      new nn.Conv2d(depths[0]!, depths[0]!, 3, { padding: 1, stride: 1, groups: depths[0]!, bias: false }),
      new nn.BatchNorm2d(depths[0]!, { momentum: m }),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(depths[0]!, depths[1]!, 1, { padding: 0, stride: 1, bias: false }),
      new nn.BatchNorm2d(depths[1]!, { momentum: m }),
      // stacks of inverted residuals
      stack(depths[1]!, depths[2]!, 3, 2, 3, 3, m),
      stack(depths[2]!, depths[3]!, 5, 2, 3, 3, m),
      stack(depths[3]!, depths[4]!, 5, 2, 6, 3, m),
      stack(depths[4]!, depths[5]!, 3, 1, 6, 2, m),
      stack(depths[5]!, depths[6]!, 5, 2, 6, 4, m),
      stack(depths[6]!, depths[7]!, 3, 1, 6, 1, m),
      // final mapping to the classifier's input
      new nn.Conv2d(depths[7]!, 1280, 1, { padding: 0, stride: 1, bias: false }),
      new nn.BatchNorm2d(1280, { momentum: m }),
      new nn.ReLU({ inplace: true }),
    );
    this.classifier = new Sequential(new nn.Dropout({ p: opts.dropout ?? 0.2, inplace: true }), new nn.Linear(1280, this.numClasses));

    for (const mod of this.modules()) {
      if (mod instanceof nn.Conv2d) {
        nn.init.kaimingNormal_(mod.weight, { mode: 'fan_out', nonlinearity: 'relu' });
        if (mod.bias !== null) nn.init.zeros_(mod.bias);
      } else if (mod instanceof nn.BatchNorm2d) {
        nn.init.ones_(mod.weight!);
        nn.init.zeros_(mod.bias!);
      } else if (mod instanceof nn.Linear) {
        nn.init.kaimingUniform_(mod.weight, { mode: 'fan_out', nonlinearity: 'sigmoid' });
        nn.init.zeros_(mod.bias!);
      }
    }
  }

  override forward(x: Tensor): Tensor {
    x = this.layers.call(x);
    // global average pool, dropping H and W
    x = x.mean([2, 3]);
    return this.classifier.call(x);
  }

  /**
   * Loads a state dict, first converting this model to version 1 when the checkpoint is a version-1 one (as
   * torchvision's _load_from_state_dict does). The version is read from PyTorch's metadata when the dict
   * carries it (a non-enumerable `_metadata` property, `{ '': { version: 1 } }`); a dict without metadata —
   * the usual case in TypeScript, where torchvision 0.14 would refuse to load at all — is taken to be version
   * 1 exactly when its stem has version 1's fixed 32 channels and this model's stem has not.
   */
  /** torchvision's MNASNet._version, as this model's layout is (1 after loading a version-1 checkpoint). */
  override get stateDictVersion(): number { return this.version; }

  override loadStateDict(stateDict: StateDict | Map<string, Tensor>, opts: { strict?: boolean } = {}): LoadStateDictResult {
    const meta = stateDictMetadata(stateDict);
    const stem = stateDict instanceof Map ? stateDict.get('layers.0.weight') : stateDict['layers.0.weight'];
    let version: number | undefined = meta?.['']?.version;
    if (meta !== undefined && version !== 1 && version !== 2) {
      throw new Error(`MNASNet: version should be set to 1 or 2 instead of ${version}`);
    }
    if (version === undefined) version = stem instanceof Tensor && stem.shape[0] === 32 && mnasnetDepths(this.alpha)[0] !== 32 ? 1 : 2;
    if (version === 1 && this.alpha !== 1.0) this.toVersion1();
    return super.loadStateDict(stateDict, opts);
  }

  /** Rebuilds the stem as version 1 had it (fixed 32 and 16 channels); a model with alpha 1.0 is unaffected. */
  private toVersion1(): void {
    if (this.version === 1) return;
    const depths = mnasnetDepths(this.alpha);
    const m = BN_MOMENTUM;
    const v1Stem: Module[] = [
      new nn.Conv2d(3, 32, 3, { padding: 1, stride: 2, bias: false }),
      new nn.BatchNorm2d(32, { momentum: m }),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(32, 32, 3, { padding: 1, stride: 1, groups: 32, bias: false }),
      new nn.BatchNorm2d(32, { momentum: m }),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(32, 16, 1, { padding: 0, stride: 1, bias: false }),
      new nn.BatchNorm2d(16, { momentum: m }),
      stack(16, depths[2]!, 3, 2, 3, 3, m),
    ];
    v1Stem.forEach((layer, i) => this.layers.set(i, layer));
    this.version = 1;
    process.emitWarning('A new version of MNASNet model has been implemented. Your checkpoint was saved using the previous version. '
      + 'This checkpoint will load and work as before, but you may want to upgrade by training a newer model or '
      + 'transfer learning from an updated ImageNet checkpoint.', 'UserWarning');
  }
}
classArgs(MNASNet, 'torchvision.models.MNASNet', 'alpha; numClasses, dropout');

export type MNASNetBuilderOptions = MNASNetOptions & BuilderOptions;

export const MNASNet0_5_Weights = weightsEnum('MNASNet0_5_Weights');
export const MNASNet0_75_Weights = weightsEnum('MNASNet0_75_Weights');
export const MNASNet1_0_Weights = weightsEnum('MNASNet1_0_Weights');
export const MNASNet1_3_Weights = weightsEnum('MNASNet1_3_Weights');

function mnasnet(alpha: number, e: WeightsEnum, opts: MNASNetBuilderOptions): MNASNet {
  return buildModel(e, opts, (o) => new MNASNet(alpha, o), { options: ['numClasses', 'dropout'] });
}

export const mnasnet0_5 = modelBuilder('mnasnet0_5', (opts: MNASNetBuilderOptions = {}): MNASNet => mnasnet(0.5, MNASNet0_5_Weights, opts));
export const mnasnet0_75 = modelBuilder('mnasnet0_75', (opts: MNASNetBuilderOptions = {}): MNASNet => mnasnet(0.75, MNASNet0_75_Weights, opts));
export const mnasnet1_0 = modelBuilder('mnasnet1_0', (opts: MNASNetBuilderOptions = {}): MNASNet => mnasnet(1.0, MNASNet1_0_Weights, opts));
export const mnasnet1_3 = modelBuilder('mnasnet1_3', (opts: MNASNetBuilderOptions = {}): MNASNet => mnasnet(1.3, MNASNet1_3_Weights, opts));

registerModel('mnasnet0_5', mnasnet0_5, MNASNet0_5_Weights);
registerModel('mnasnet0_75', mnasnet0_75, MNASNet0_75_Weights);
registerModel('mnasnet1_0', mnasnet1_0, MNASNet1_0_Weights);
registerModel('mnasnet1_3', mnasnet1_3, MNASNet1_3_Weights);
