// S3D (Xie et al. 2018, "Rethinking Spatiotemporal Feature Learning"), as torchvision's models/video/s3d.py:
// an Inception-v1 whose 3-D convolutions are separable (a spatial 1xkxk then a temporal kx1x1 convolution).
// Input [N, 3, T, H, W]; the Kinetics-400 weights take 224 x 224 frames and at least 14 of them.
import { Module, callChain, releaseOutput } from '../../../nn/module.js';
import { Sequential } from '../../../nn/modules/container.js';
import * as nn from '../../../nn/index.js';
import { Tensor } from '../../../tensor.js';
import { Conv3dNormActivation } from '../../ops/misc.js';
import type { NormLayerFactory } from '../../ops/misc.js';
import { catBranches } from '../branches.js';
import { registerModel } from '../registry.js';
import { buildModel, tableWeightsEnum, type BuilderOptions } from '../weights.js';
import { VIDEO_WEIGHTS_DATA } from './weights-data.js';
import { videoPreset } from './preset.js';
import { modelBuilder } from '../builder-args.js';
import { bindOwn, classArgs, type PyRest } from '../../../args.js';

/** A spatial (1, k, k) convolution then a temporal (k, 1, 1) one, each with norm and ReLU. */
export class TemporalSeparableConv extends Sequential {
  constructor(inPlanes: number, outPlanes: number, kernelSize: number, stride: number, padding: number, normLayer: NormLayerFactory) {
    [inPlanes, outPlanes, kernelSize, stride, padding, normLayer] = bindOwn(TemporalSeparableConv, arguments) as ConstructorParameters<typeof TemporalSeparableConv>;
    super(
      new Conv3dNormActivation(inPlanes, outPlanes, {
        kernelSize: [1, kernelSize, kernelSize], stride: [1, stride, stride], padding: [0, padding, padding], bias: false, normLayer,
      }),
      new Conv3dNormActivation(outPlanes, outPlanes, {
        kernelSize: [kernelSize, 1, 1], stride: [stride, 1, 1], padding: [padding, 0, 0], bias: false, normLayer,
      }),
    );
  }
}
classArgs(TemporalSeparableConv, 'torchvision.models.video.TemporalSeparableConv', 'inPlanes, outPlanes, kernelSize, stride, padding, normLayer');

/** S3D's Inception block: 1x1x1, 1x1x1 -> separable 3x3x3 (twice), and 3x3x3 max pooling -> 1x1x1, concatenated. */
export class SepInceptionBlock3D extends Module {
  declare branch0: Module;
  declare branch1: Sequential;
  declare branch2: Sequential;
  declare branch3: Sequential;

  constructor(inPlanes: number, b0Out: number, b1Mid: number, b1Out: number, b2Mid: number, b2Out: number, b3Out: number, normLayer: NormLayerFactory) {
    [inPlanes, b0Out, b1Mid, b1Out, b2Mid, b2Out, b3Out, normLayer] = bindOwn(SepInceptionBlock3D, arguments) as ConstructorParameters<typeof SepInceptionBlock3D>;
    super();
    const unit = (i: number, o: number): Module => new Conv3dNormActivation(i, o, { kernelSize: 1, stride: 1, normLayer });
    this.branch0 = unit(inPlanes, b0Out);
    this.branch1 = new Sequential(unit(inPlanes, b1Mid), new TemporalSeparableConv(b1Mid, b1Out, 3, 1, 1, normLayer));
    this.branch2 = new Sequential(unit(inPlanes, b2Mid), new TemporalSeparableConv(b2Mid, b2Out, 3, 1, 1, normLayer));
    this.branch3 = new Sequential(new nn.MaxPool3d([3, 3, 3], { stride: 1, padding: 1 }), unit(inPlanes, b3Out));
  }

  override forward(x: Tensor): Tensor {
    return catBranches(x, [this.branch0, this.branch1, this.branch2, this.branch3]);
  }
}
classArgs(SepInceptionBlock3D, 'torchvision.models.video.SepInceptionBlock3D', 'inPlanes, b0Out, b1Mid, b1Out, b2Mid, b2Out, b3Out, normLayer');

export interface S3DOptions {
  numClasses?: number;
  dropout?: number;
  /** Default BatchNorm3d with eps 0.001 and momentum 0.001. */
  normLayer?: NormLayerFactory | null;
}

export class S3D extends Module {
  declare features: Sequential;
  declare avgpool: Module;
  declare classifier: Sequential;

  constructor(...rest: PyRest<S3DOptions, ['numClasses', 'dropout', 'normLayer']>);
  constructor(...args: unknown[]) {
    const [opts = {}] = bindOwn(S3D, args) as [S3DOptions?];
    super();
    const norm: NormLayerFactory = opts.normLayer ?? ((c) => new nn.BatchNorm3d(c, { eps: 0.001, momentum: 0.001 }));
    const inception = (...a: [number, number, number, number, number, number, number]): Module => new SepInceptionBlock3D(...a, norm);
    this.features = new Sequential(
      new TemporalSeparableConv(3, 64, 7, 2, 3, norm),
      new nn.MaxPool3d([1, 3, 3], { stride: [1, 2, 2], padding: [0, 1, 1] }),
      new Conv3dNormActivation(64, 64, { kernelSize: 1, stride: 1, normLayer: norm }),
      new TemporalSeparableConv(64, 192, 3, 1, 1, norm),
      new nn.MaxPool3d([1, 3, 3], { stride: [1, 2, 2], padding: [0, 1, 1] }),
      inception(192, 64, 96, 128, 16, 32, 32),
      inception(256, 128, 128, 192, 32, 96, 64),
      new nn.MaxPool3d([3, 3, 3], { stride: [2, 2, 2], padding: [1, 1, 1] }),
      inception(480, 192, 96, 208, 16, 48, 64),
      inception(512, 160, 112, 224, 24, 64, 64),
      inception(512, 128, 128, 256, 24, 64, 64),
      inception(512, 112, 144, 288, 32, 64, 64),
      inception(528, 256, 160, 320, 32, 128, 128),
      new nn.MaxPool3d([2, 2, 2], { stride: [2, 2, 2], padding: [0, 0, 0] }),
      inception(832, 256, 160, 320, 32, 128, 128),
      inception(832, 384, 192, 384, 48, 128, 128),
    );
    this.avgpool = new nn.AvgPool3d([2, 7, 7], { stride: 1 });
    this.classifier = new Sequential(
      new nn.Dropout({ p: opts.dropout ?? 0.2 }),
      new nn.Conv3d(1024, opts.numClasses ?? 400, 1, { stride: 1, bias: true }),
    );
  }

  override forward(x: Tensor): Tensor {
    const y: Tensor = callChain(x, [this.features, this.avgpool, this.classifier]);
    const out = y.mean([2, 3, 4]);
    if (y !== x) releaseOutput(this.classifier, y);
    return out;
  }
}
classArgs(S3D, 'torchvision.models.video.S3D', '; numClasses, dropout, normLayer');

export type S3DBuilderOptions = S3DOptions & BuilderOptions;

export const S3D_Weights = tableWeightsEnum(VIDEO_WEIGHTS_DATA, 'S3D_Weights', videoPreset);

/** S3D with torchvision's configuration (Kinetics-400 weights: S3D_Weights.KINETICS400_V1). */
export const s3d = modelBuilder('s3d', (opts: S3DBuilderOptions = {}): S3D => buildModel(S3D_Weights, opts, (o) => new S3D(o), { options: ['numClasses', 'dropout', 'normLayer'] }));

registerModel('s3d', s3d, S3D_Weights);
