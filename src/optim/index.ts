// torch.optim: optimizers and learning-rate schedulers.
export {
  Optimizer, type ParamGroup, type ParamGroupInput, type Params, type ParamState, type StateValue, type HyperParams,
  type OptimizerStateDict, type OptimizerStateDictInput,
} from './optimizer.js';
export { SGD, type SGDOptions, type SGDHyperParams } from './sgd.js';
export { Adam, type AdamOptions, type AdamHyperParams } from './adam.js';
export { AdamW, type AdamWOptions, type AdamWHyperParams } from './adamw.js';
export { RMSprop, type RMSpropOptions, type RMSpropHyperParams } from './rmsprop.js';
export { Adagrad, type AdagradOptions, type AdagradHyperParams } from './adagrad.js';
export * as lrScheduler from './lr-scheduler/index.js';
