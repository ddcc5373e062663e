// `vision.ops`: torchvision.ops' layers used by the model zoo.
export { Conv2dNormActivation, SqueezeExcitation, FrozenBatchNorm2d, type Conv2dNormActivationOptions, type SqueezeExcitationOptions, type NormLayerFactory, type ActivationLayerFactory } from './misc.js';
export { StochasticDepth, stochasticDepth, type StochasticDepthMode } from './stochastic-depth.js';
export { Permute } from './permute.js';
export { LayerNorm2d } from './layer-norm2d.js';
export { MLP, type MLPOptions } from './mlp.js';
