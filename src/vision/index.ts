// `import * as vision from 'tstorch/vision'`: the analogue of `import torchvision`.
export * as models from './models/index.js';
export * as transforms from './transforms/index.js';
export * as datasets from './datasets/index.js';
export * as io from './io/index.js';
export * as utils from './utils/index.js';
export * as ops from './ops/index.js';
export * as references from './references/index.js';
export * as coco from './coco/index.js';
export * as serve from './serve/index.js';
