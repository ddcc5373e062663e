// A tiny CIFAR-10 in the official binary layout, for tests of the CLI and the examples.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** A CIFAR-10 binary folder with n records per training file and nTest test records (random pixels). */
export function tinyCifar(dir: string, n: number, nTest: number): string {
  const folder = join(dir, 'cifar-10-batches-bin');
  mkdirSync(folder, { recursive: true });
  let seed = 1;
  const rand = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed; };
  const file = (count: number): Buffer => {
    const b = Buffer.alloc(count * 3073);
    for (let r = 0; r < count; r++) {
      const label = r % 10;
      b[r * 3073] = label;
      // a class-dependent brightness so that the classes can be told apart a little
      for (let p = 1; p < 3073; p++) b[r * 3073 + p] = (rand() % 128) + label * 12;
    }
    return b;
  };
  for (let i = 1; i <= 5; i++) writeFileSync(join(folder, `data_batch_${i}.bin`), file(n));
  writeFileSync(join(folder, 'test_batch.bin'), file(nTest));
  writeFileSync(join(folder, 'batches.meta.txt'), CLASSES.join('\n') + '\n\n');
  return folder;
}

