// The CLI's data sets as DataLoader worker factories: a worker thread imports this module and calls a factory
// with JSON arguments, building the same dataset (files and transforms) as the main thread.
import { openDataset, type DatasetName } from './datasets.js';
import { ImageFolder } from '../vision/datasets/folder.js';
import { finetuneTransforms, type FinetuneTransformArgs } from './finetune-transforms.js';
import type { WorkerDatasetSpec } from '../data/worker-protocol.js';

export interface SplitArgs {
  dataset: DatasetName;
  /** As train's --data (undefined: $TSTORCH_DATA, else ./data). */
  root?: string;
  /** The training split (with the training transform) or the test split. */
  train: boolean;
  augment: boolean;
}

/** CIFAR10/CIFAR100/MNIST/FashionMNIST's training or test split with the transforms of datasets.ts. */
export function makeSplit(a: SplitArgs): { readonly length: number; get(i: number): unknown } {
  // The main thread has already downloaded whatever was missing.
  const d = openDataset(a.dataset, { root: a.root, download: false, augment: a.augment, trainSet: a.train });
  return a.train ? d.train : d.test;
}

export function splitWorkers(a: SplitArgs): WorkerDatasetSpec {
  return { module: import.meta.url, export: 'makeSplit', args: [a] };
}

export interface ImageFolderArgs {
  /** The class folders' parent (e.g. <data>/train). */
  root: string;
  /** The parameters of finetuneTransforms. */
  transform: FinetuneTransformArgs;
  /** The training transform (RandomResizedCrop + flip when augment) or the validation one (Resize + CenterCrop). */
  train: boolean;
  /** 'skip': images that cannot be decoded are reported and skipped (tstorch finetune --skip-bad-images). */
  onError?: 'throw' | 'skip';
}

/** An ImageFolder with the fine-tuning transforms, as `tstorch finetune` opens it. */
export function makeImageFolder(a: ImageFolderArgs): ImageFolder {
  const t = finetuneTransforms(a.transform);
  return new ImageFolder({ root: a.root, transform: a.train ? t.train : t.val, onError: a.onError });
}

export function imageFolderWorkers(a: ImageFolderArgs): WorkerDatasetSpec {
  return { module: import.meta.url, export: 'makeImageFolder', args: [a] };
}
