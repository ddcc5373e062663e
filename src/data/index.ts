// `torch.utils.data`
export { Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, ChainDataset, randomSplit, isMapDataset, type MapDataset, type RandomSplitOptions } from './dataset.js';
export { Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler, type RandomOptions } from './sampler.js';
export { defaultCollate, defaultConvert } from './collate.js';
export { DataLoader, getWorkerInfo, type DataLoaderOptions, type WorkerInfo, type WorkerDatasetSpec } from './dataloader.js';
export { Generator } from './generator.js';
export { DistributedSampler, type DistributedSamplerOptions } from './distributed-sampler.js';
