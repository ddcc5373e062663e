// torchvision.ops.feature_pyramid_network: the Feature Pyramid Network (Lin et al. 2017) on a set of backbone
// feature maps, with torchvision's extra blocks (LastLevelMaxPool for Faster/Mask R-CNN, LastLevelP6P7 for
// RetinaNet and FCOS). Parameter names, initialisation order and state-dict format (version 2) are torchvision's.
import type { Tensor } from '../../tensor.js';
import { Module, releaseOutput, type StateDict } from '../../nn/module.js';
import { disposeTemporary } from '../../memory.js';
import { ModuleList } from '../../nn/modules/container.js';
import { Conv2d } from '../../nn/modules/conv.js';
import * as init from '../../nn/init.js';
import { interpolate } from '../../nn/functional/upsampling.js';
import { maxPool2d } from '../../nn/functional/pooling.js';
import { relu } from '../../nn/functional/activation.js';
import { Conv2dNormActivation, type NormLayerFactory } from './misc.js';
import { featureEntries, type FeatureMaps } from './poolers.js';
import { bindOwn, classArgs, type PyRest } from '../../args.js';

/** An extra block after the FPN's outputs: gets the results, the inputs and the names, returns results and names. */
export abstract class ExtraFPNBlock extends Module {
  abstract override forward(results: Tensor[], x: Tensor[], names: string[]): [Tensor[], string[]];
}

/** A 'pool' level: max pooling of the last level with kernel 1, stride 2. */
export class LastLevelMaxPool extends ExtraFPNBlock {
  override forward(x: Tensor[], _y: Tensor[], names: string[]): [Tensor[], string[]] {
    names.push('pool');
    x.push(maxPool2d(x[x.length - 1]!, 1, { stride: 2, padding: 0 }));
    return [x, names];
  }
}
classArgs(LastLevelMaxPool, 'torchvision.ops.feature_pyramid_network.LastLevelMaxPool', ''); // Module's constructor refuses arguments

/** Levels 'p6' and 'p7' (RetinaNet): stride-2 3x3 convolutions of P5 (or C5 when the channel counts differ). */
export class LastLevelP6P7 extends ExtraFPNBlock {
  declare p6: Conv2d;
  declare p7: Conv2d;
  declare use_P5: boolean;

  constructor(inChannels: number, outChannels: number) {
    [inChannels, outChannels] = bindOwn(LastLevelP6P7, arguments) as ConstructorParameters<typeof LastLevelP6P7>;
    super();
    this.p6 = new Conv2d(inChannels, outChannels, 3, { stride: 2, padding: 1 });
    this.p7 = new Conv2d(outChannels, outChannels, 3, { stride: 2, padding: 1 });
    for (const m of [this.p6, this.p7]) {
      init.kaimingUniform_(m.weight, { a: 1 });
      init.constant_(m.bias!, 0);
    }
    Object.defineProperty(this, 'use_P5', { value: inChannels === outChannels, writable: true, enumerable: false });
  }

  override forward(p: Tensor[], c: Tensor[], names: string[]): [Tensor[], string[]] {
    const p5 = p[p.length - 1]!;
    const c5 = c[c.length - 1]!;
    const x = this.use_P5 ? p5 : c5;
    const p6 = this.p6.call(x);
    const p7 = this.p7.call(relu(p6));
    p.push(p6, p7);
    names.push('p6', 'p7');
    return [p, names];
  }
}
classArgs(LastLevelP6P7, 'torchvision.ops.LastLevelP6P7', 'inChannels, outChannels');

export interface FeaturePyramidNetworkOptions {
  extraBlocks?: ExtraFPNBlock | null;
  /** A normalisation layer after each convolution (none by default). */
  normLayer?: NormLayerFactory | null;
}

/**
 * FPN over feature maps given by name, lowest level (highest resolution) first. `forward(x)` returns a Map with
 * the same names (plus the extra blocks' names), each with `outChannels` channels.
 */
export class FeaturePyramidNetwork extends Module {
  /** torchvision's FeaturePyramidNetwork._version: 2 since the blocks became Conv2dNormActivation. */
  static readonly _version = 2;
  declare inner_blocks: ModuleList;
  declare layer_blocks: ModuleList;
  declare extra_blocks: ExtraFPNBlock | null;

  constructor(inChannelsList: readonly number[], outChannels: number, ...rest: PyRest<FeaturePyramidNetworkOptions, ['extraBlocks', 'normLayer']>);
  constructor(...args: unknown[]) {
    const [inChannelsList, outChannels, opts = {}] = bindOwn(FeaturePyramidNetwork, args) as [readonly number[], number, FeaturePyramidNetworkOptions?];
    super();
    const normLayer = opts.normLayer ?? null;
    this.inner_blocks = new ModuleList();
    this.layer_blocks = new ModuleList();
    for (const inChannels of inChannelsList) {
      if (inChannels === 0) throw new RangeError('FeaturePyramidNetwork: in_channels=0 is currently not supported');
      this.inner_blocks.append(new Conv2dNormActivation(inChannels, outChannels, { kernelSize: 1, padding: 0, normLayer, activationLayer: null }));
      this.layer_blocks.append(new Conv2dNormActivation(outChannels, outChannels, { kernelSize: 3, normLayer, activationLayer: null }));
    }
    // Initialise now, before the extra blocks are attached, so that their own initialisation stays theirs.
    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        init.kaimingUniform_(m.weight, { a: 1 });
        if (m.bias !== null) init.constant_(m.bias, 0);
      }
    }
    const extra = opts.extraBlocks ?? null;
    if (extra !== null && !(extra instanceof ExtraFPNBlock)) {
      throw new TypeError(`FeaturePyramidNetwork: extraBlocks should be an ExtraFPNBlock, got ${(extra as object).constructor?.name}`);
    }
    this.extra_blocks = extra;
  }

  protected override loadFromStateDict(sd: StateDict, prefix: string, missing: string[], used: Set<string>, errors: string[]): void {
    // Version-1 checkpoints hold the blocks as bare Conv2d layers: "inner_blocks.0.weight" is "inner_blocks.0.0.weight".
    // torchvision migrates by the version in the metadata; a version-2 file never has the old keys.
    const numBlocks = this.inner_blocks.length;
    for (const block of ['inner_blocks', 'layer_blocks']) {
      for (let i = 0; i < numBlocks; i++) {
        for (const type of ['weight', 'bias']) {
          const oldKey = `${prefix}${block}.${i}.${type}`;
          const newKey = `${prefix}${block}.${i}.0.${type}`;
          if (oldKey in sd && !(newKey in sd)) {
            sd[newKey] = sd[oldKey]!;
            delete sd[oldKey];
          }
        }
      }
    }
    super.loadFromStateDict(sd, prefix, missing, used, errors);
  }

  getResultFromInnerBlocks(x: Tensor, idx: number): Tensor {
    return this.inner_blocks.at(idx).call(x);
  }

  getResultFromLayerBlocks(x: Tensor, idx: number): Tensor {
    return this.layer_blocks.at(idx).call(x);
  }

  override forward(x: FeatureMaps): Map<string, Tensor> {
    const entries = featureEntries(x);
    if (entries.length !== this.inner_blocks.length) {
      throw new RangeError(`FeaturePyramidNetwork: expected ${this.inner_blocks.length} feature maps, got ${entries.length}`);
    }
    let names = entries.map(([k]) => k);
    const xs = entries.map(([, v]) => v);
    // The top-down path's intermediates are freed as soon as consumed, as Python's rebinding of last_inner frees
    // them: at 800 px the finest level's lateral, upsampled and summed maps are 56 MB each, and holding every
    // level's until the end of the pass more than doubled the detectors' peak memory (and its page faults).
    let lastInner = this.getResultFromInnerBlocks(xs[xs.length - 1]!, -1);
    let lastInnerProducer: Module | null = this.inner_blocks.at(-1);
    let results: Tensor[] = [this.getResultFromLayerBlocks(lastInner, -1)];
    for (let idx = xs.length - 2; idx >= 0; idx--) {
      const innerLateral = this.getResultFromInnerBlocks(xs[idx]!, idx);
      const featShape = innerLateral.shape.slice(-2);
      const innerTopDown = interpolate(lastInner, { size: featShape, mode: 'nearest' });
      if (lastInnerProducer !== null) releaseOutput(lastInnerProducer, lastInner);
      else disposeTemporary(lastInner);
      lastInner = innerLateral.add(innerTopDown);
      lastInnerProducer = null;
      releaseOutput(this.inner_blocks.at(idx), innerLateral);
      disposeTemporary(innerTopDown);
      results.unshift(this.getResultFromLayerBlocks(lastInner, idx));
    }
    if (lastInnerProducer !== null) releaseOutput(lastInnerProducer, lastInner);
    else disposeTemporary(lastInner);
    if (this.extra_blocks !== null) [results, names] = this.extra_blocks.call(results, xs, names);
    return new Map(names.map((k, i) => [k, results[i]!]));
  }
}
classArgs(FeaturePyramidNetwork, 'torchvision.ops.FeaturePyramidNetwork', 'inChannelsList, outChannels; extraBlocks, normLayer');
