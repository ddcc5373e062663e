// `vision.references`: the parts of torchvision's reference training scripts (references/) that a user training
// their own model expects to find, and Python's `random` module that those scripts draw from.
// Python's `random` module, the one torchvision.transforms' RandomOrder/RandomChoice also draw from
export { PyRandom as PythonRandom, pyRandom as random } from '../transforms/py-random.js';
export * as segmentation from './segmentation/index.js';
