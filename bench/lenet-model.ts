// The chapter's LeNet for the benchmarks: the library's own vision.models.LeNet.
export { LeNet as Net } from '../src/vision/models/lenet.js';
