// The child process behind ImageNet's synchronous constructor: unpacks one split's archive, reporting failure
// on stdout.
import { prepareSplit, type ImageNetSplit } from './imagenet.js';

const { root, split, md5 } = JSON.parse(process.argv[process.argv.length - 1]!) as { root: string; split: ImageNetSplit; md5?: Record<string, string | null> };
try {
  await prepareSplit(root, split, md5);
} catch (e) {
  process.stdout.write((e as Error).message);
  process.exit(1);
}
