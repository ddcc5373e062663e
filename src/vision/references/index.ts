// `vision.references`: the parts of torchvision's reference training scripts (references/) that a user training
// their own model expects to find, and Python's `random` module that those scripts draw from.
export { PythonRandom, random } from './python-random.js';
export * as segmentation from './segmentation/index.js';
