// ConvNeXt (Liu et al. 2022, "A ConvNet for the 2020s"), as torchvision's convnext.py: depthwise 7x7,
// channels-last LayerNorm and MLP, layer scale and stochastic depth.
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/modules/container.js';
import { Parameter } from '../../nn/parameter.js';
import * as nn from '../../nn/index.js';
import { ones } from '../../creation.js';
import type { Tensor } from '../../tensor.js';
import type { NormLayerFactory } from '../ops/misc.js';
import { Conv2dNormActivation } from '../ops/misc.js';
import { Permute } from '../ops/permute.js';
import { StochasticDepth } from '../ops/stochastic-depth.js';
import { LayerNorm2d } from '../ops/layer-norm2d.js';
import { registerModel } from './registry.js';
import { buildModel, weightsEnum, type BuilderOptions, type WeightsEnum } from './weights.js';
import { modelBuilder } from './builder-args.js';
import { bindOwn, classArgs, type PyRest } from '../../args.js';

/** The ConvNeXt block: dwconv 7x7 -> LayerNorm -> Linear 4x -> GELU -> Linear, scaled, plus the input. */
export class CNBlock extends Module {
  declare block: Sequential;
  declare layer_scale: Parameter;
  declare stochastic_depth: StochasticDepth;

  constructor(dim: number, layerScale: number, stochasticDepthProb: number, normLayer: NormLayerFactory | null = null) {
    [dim, layerScale, stochasticDepthProb, normLayer = null] = bindOwn(CNBlock, arguments) as ConstructorParameters<typeof CNBlock>;
    super();
    const norm = normLayer ?? ((c: number) => new nn.LayerNorm(c, { eps: 1e-6 }));
    this.block = new Sequential(
      new nn.Conv2d(dim, dim, 7, { padding: 3, groups: dim, bias: true }),
      new Permute([0, 2, 3, 1]),
      norm(dim),
      new nn.Linear(dim, 4 * dim, { bias: true }),
      new nn.GELU(),
      new nn.Linear(4 * dim, dim, { bias: true }),
      new Permute([0, 3, 1, 2]),
    );
    this.layer_scale = new Parameter(ones([dim, 1, 1]).mul(layerScale));
    this.stochastic_depth = new StochasticDepth(stochasticDepthProb, 'row');
  }

  override forward(input: Tensor): Tensor {
    let result = this.layer_scale.mul(this.block.call(input));
    result = this.stochastic_depth.call(result);
    result.add_(input);
    return result;
  }
}
classArgs(CNBlock, 'torchvision.models.CNBlock', 'dim, layerScale, stochasticDepthProb, normLayer?');

/** One stage: its width, the next stage's width (null for the last) and its number of blocks. */
export class CNBlockConfig {
  readonly inputChannels: number;
  readonly outChannels: number | null;
  readonly numLayers: number;
  constructor(inputChannels: number, outChannels: number | null, numLayers: number) {
    [inputChannels, outChannels, numLayers] = bindOwn(CNBlockConfig, arguments) as ConstructorParameters<typeof CNBlockConfig>;
    this.inputChannels = inputChannels;
    this.outChannels = outChannels;
    this.numLayers = numLayers;
  }
  toString(): string {
    return `CNBlockConfig(input_channels=${this.inputChannels}, out_channels=${this.outChannels ?? 'None'}, num_layers=${this.numLayers})`;
  }
}
classArgs(CNBlockConfig, 'torchvision.models.CNBlockConfig', 'inputChannels, outChannels, numLayers');

export type CNBlockClass = new (dim: number, layerScale: number, stochasticDepthProb: number) => Module;

export interface ConvNeXtOptions {
  /** Drop probability of the last block's branch; it grows linearly from 0 at the first block. */
  stochasticDepthProb?: number;
  /** Initial value of the per-channel layer scale; default 1e-6. */
  layerScale?: number;
  numClasses?: number;
  block?: CNBlockClass | null;
  /** Default LayerNorm2d with eps 1e-6. */
  normLayer?: NormLayerFactory | null;
}

export class ConvNeXt extends Module {
  declare features: Sequential;
  declare avgpool: Module;
  declare classifier: Sequential;

  constructor(blockSetting: CNBlockConfig[], ...rest: PyRest<ConvNeXtOptions, ['stochasticDepthProb', 'layerScale', 'numClasses', 'block', 'normLayer']>);
  constructor(...args: unknown[]) {
    const [blockSetting, opts = {}] = bindOwn(ConvNeXt, args) as [CNBlockConfig[], ConvNeXtOptions?];
    super();
    if (!blockSetting || blockSetting.length === 0) throw new RangeError('The blockSetting should not be empty');
    if (!blockSetting.every((s) => s instanceof CNBlockConfig)) throw new TypeError('The blockSetting should be CNBlockConfig[]');
    const Block = opts.block ?? CNBlock;
    const normLayer = opts.normLayer ?? ((c: number) => new LayerNorm2d(c, { eps: 1e-6 }));
    const stochasticDepthProb = opts.stochasticDepthProb ?? 0.0;
    const layerScale = opts.layerScale ?? 1e-6;
    const layers: Module[] = [];
    const firstconvOutputChannels = blockSetting[0]!.inputChannels;
    // stem: 4x4 patchify
    layers.push(new Conv2dNormActivation(3, firstconvOutputChannels, {
      kernelSize: 4, stride: 4, padding: 0, normLayer, activationLayer: null, bias: true,
    }));
    const totalStageBlocks = blockSetting.reduce((n, c) => n + c.numLayers, 0);
    let stageBlockId = 0;
    for (const cnf of blockSetting) {
      const stage: Module[] = [];
      for (let i = 0; i < cnf.numLayers; i++) {
        const sdProb = (stochasticDepthProb * stageBlockId) / (totalStageBlocks - 1.0);
        stage.push(new Block(cnf.inputChannels, layerScale, sdProb));
        stageBlockId++;
      }
      layers.push(new Sequential(...stage));
      if (cnf.outChannels !== null) {
        // downsampling between stages
        layers.push(new Sequential(normLayer(cnf.inputChannels), new nn.Conv2d(cnf.inputChannels, cnf.outChannels, 2, { stride: 2 })));
      }
    }
    this.features = new Sequential(...layers);
    this.avgpool = new nn.AdaptiveAvgPool2d(1);
    const last = blockSetting[blockSetting.length - 1]!;
    const lastconvOutputChannels = last.outChannels ?? last.inputChannels;
    this.classifier = new Sequential(normLayer(lastconvOutputChannels), new nn.Flatten(1), new nn.Linear(lastconvOutputChannels, opts.numClasses ?? 1000));

    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d || m instanceof nn.Linear) {
        nn.init.truncNormal_(m.weight, { std: 0.02 });
        if (m.bias !== null) nn.init.zeros_(m.bias);
      }
    }
  }

  override forward(x: Tensor): Tensor {
    x = this.features.call(x);
    x = this.avgpool.call(x);
    return this.classifier.call(x);
  }
}
classArgs(ConvNeXt, 'torchvision.models.ConvNeXt', 'blockSetting; stochasticDepthProb, layerScale, numClasses, block, normLayer');

export type ConvNeXtBuilderOptions = ConvNeXtOptions & BuilderOptions;

export const ConvNeXt_Tiny_Weights = weightsEnum('ConvNeXt_Tiny_Weights');
export const ConvNeXt_Small_Weights = weightsEnum('ConvNeXt_Small_Weights');
export const ConvNeXt_Base_Weights = weightsEnum('ConvNeXt_Base_Weights');
export const ConvNeXt_Large_Weights = weightsEnum('ConvNeXt_Large_Weights');

function convnext(e: WeightsEnum, setting: [number, number | null, number][], defaultSdProb: number, opts: ConvNeXtBuilderOptions): ConvNeXt {
  return buildModel(e, opts, (o) => new ConvNeXt(setting.map(([i, out, n]) => new CNBlockConfig(i, out, n)), {
    ...o, stochasticDepthProb: o.stochasticDepthProb ?? defaultSdProb,
  }), { options: ['stochasticDepthProb', 'layerScale', 'numClasses', 'block', 'normLayer'] });
}

type C = (opts?: ConvNeXtBuilderOptions) => ConvNeXt;
export const convnext_tiny: C = modelBuilder<C>('convnext_tiny', (o = {}) => convnext(ConvNeXt_Tiny_Weights, [[96, 192, 3], [192, 384, 3], [384, 768, 9], [768, null, 3]], 0.1, o));
export const convnext_small: C = modelBuilder<C>('convnext_small', (o = {}) => convnext(ConvNeXt_Small_Weights, [[96, 192, 3], [192, 384, 3], [384, 768, 27], [768, null, 3]], 0.4, o));
export const convnext_base: C = modelBuilder<C>('convnext_base', (o = {}) => convnext(ConvNeXt_Base_Weights, [[128, 256, 3], [256, 512, 3], [512, 1024, 27], [1024, null, 3]], 0.5, o));
export const convnext_large: C = modelBuilder<C>('convnext_large', (o = {}) => convnext(ConvNeXt_Large_Weights, [[192, 384, 3], [384, 768, 3], [768, 1536, 27], [1536, null, 3]], 0.5, o));

registerModel('convnext_tiny', convnext_tiny, ConvNeXt_Tiny_Weights);
registerModel('convnext_small', convnext_small, ConvNeXt_Small_Weights);
registerModel('convnext_base', convnext_base, ConvNeXt_Base_Weights);
registerModel('convnext_large', convnext_large, ConvNeXt_Large_Weights);
