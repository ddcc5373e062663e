// A tiny Fashion-MNIST in the official IDX layout (root/FashionMNIST/raw, uncompressed, as torchvision leaves it
// after a download), for the tutorials that train on it: torchvision's and tstorch's FashionMNIST both read it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** Images whose pixels depend on the class (so a network learns something), with n training and nTest test images. */
export function tinyFashionMNIST(root: string, n: number, nTest: number): string {
  const raw = join(root, 'FashionMNIST', 'raw');
  mkdirSync(raw, { recursive: true });
  let seed = 7;
  const rand = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed; };
  const make = (count: number): { images: Uint8Array; labels: Uint8Array } => {
    const images = new Uint8Array(count * 784);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const label = rand() % 10;
      labels[i] = label;
      for (let p = 0; p < 784; p++) {
        const row = Math.floor(p / 28);
        images[i * 784 + p] = (rand() % 64) + (Math.abs(row - label * 2.5) < 4 ? 180 : 0);
      }
    }
    return { images, labels };
  };
  const train = make(n);
  const test = make(nTest);
  writeFileSync(join(raw, 'train-images-idx3-ubyte'), idx([n, 28, 28], train.images));
  writeFileSync(join(raw, 'train-labels-idx1-ubyte'), idx([n], train.labels));
  writeFileSync(join(raw, 't10k-images-idx3-ubyte'), idx([nTest, 28, 28], test.images));
  writeFileSync(join(raw, 't10k-labels-idx1-ubyte'), idx([nTest], test.labels));
  return root;
}
