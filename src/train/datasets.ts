// The data sets the CLI trains and evaluates on, with the chapter's transforms: for CIFAR, random crop 32
// with padding 4 and a horizontal flip on training images, then ToTensor and Normalize(0.5, 0.5).
import * as T from '../vision/transforms/index.js';
import { CIFAR10, CIFAR100 } from '../vision/datasets/cifar.js';
import { MNIST, FashionMNIST } from '../vision/datasets/mnist.js';
import { UserError } from '../cli/errors.js';

export const DATASETS = ['cifar10', 'cifar100', 'mnist', 'fashionmnist'] as const;
export type DatasetName = (typeof DATASETS)[number];

interface Dataset { readonly length: number; get(i: number): unknown }

export interface OpenedData {
  train: Dataset;
  test: Dataset;
  classes: string[];
  channels: number;
  mean: number[];
  std: number[];
}

/** Where data sets live: --data, else $TSTORCH_DATA, else ./data (downloads go there). */
export function dataRoot(flag: string | undefined): string {
  return flag ?? process.env.TSTORCH_DATA ?? './data';
}

export function openDataset(name: DatasetName, o: { root?: string; download: boolean; augment: boolean; trainSet?: boolean }): OpenedData {
  const root = dataRoot(o.root);
  const cifar = name === 'cifar10' || name === 'cifar100';
  const mean = cifar ? [0.5, 0.5, 0.5] : [0.1307];
  const std = cifar ? [0.5, 0.5, 0.5] : [0.3081];
  const test = new T.Compose([new T.ToTensor(), new T.Normalize(mean, std)]);
  const train = o.augment && cifar
    ? new T.Compose([new T.RandomCrop(32, { padding: 4 }), new T.RandomHorizontalFlip(), new T.ToTensor(), new T.Normalize(mean, std)])
    : test;
  const Cls = { cifar10: CIFAR10, cifar100: CIFAR100, mnist: MNIST, fashionmnist: FashionMNIST }[name] as
    new (o: { root: string; train: boolean; transform: typeof test; download: boolean }) => CIFAR10 | CIFAR100 | MNIST | FashionMNIST;
  try {
    const testSet = new Cls({ root, train: false, transform: test, download: o.download });
    const trainSet = o.trainSet === false ? testSet : new Cls({ root, train: true, transform: train, download: o.download });
    return { train: trainSet, test: testSet, classes: [...testSet.classes], channels: cifar ? 3 : 1, mean, std };
  } catch (e) {
    // A missing folder, a truncated file, a failed download: the user's to fix, so no stack trace.
    throw new UserError((e as Error).message);
  }
}
