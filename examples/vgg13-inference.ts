// The chapter's inference exercise: classify images with VGG13 pretrained on ImageNet. Each image is
// resized, centre-cropped and normalised as the weights were trained (weights.transforms()), the network
// runs in eval and inference mode, and the top-5 classes are printed with their probabilities; a picture of
// the images with their top-1 class is written too.
//
//   npx tsx examples/vgg13-inference.ts [--weights DEFAULT|FILE] [--topk 5] [--out preds.png] IMAGE_OR_FOLDER...
//
// --weights DEFAULT needs the ImageNet checkpoint (downloaded, or already in $TORCH_HOME/hub/checkpoints);
// offline, pass a state-dict file saved by torchvision (its outputs are then ImageNet's 1000 classes).
import { parseArgs } from 'node:util';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    weights: { type: 'string', default: 'DEFAULT' },
    topk: { type: 'string', default: '5' },
    out: { type: 'string', default: 'vgg13-predictions.png' },
  },
});
if (positionals.length === 0) {
  console.error('vgg13-inference: name image files or folders');
  process.exit(1);
}
const k = Number(args.topk);

// 1. The images: files as given, folders walked in sorted order.
const files: string[] = [];
const visit = (p: string): void => {
  if (statSync(p).isDirectory()) for (const f of readdirSync(p).sort()) visit(join(p, f));
  else if (vision.datasets.isImageFile(p)) files.push(p);
};
for (const p of positionals) visit(p);

// 2. The network and the preprocessing its weights were trained with.
const weights = vision.models.VGG13_Weights.DEFAULT;
let model: vision.models.VGG;
try {
  model = vision.models.vgg13({ weights: args.weights === 'DEFAULT' ? weights : args.weights });
} catch (e) {
  console.error(`vgg13-inference: no pretrained weights: ${(e as Error).message.split('\n')[0]}`);
  console.error('Offline, pass --weights FILE (a VGG13 state dict saved by torchvision).');
  process.exit(1);
}
model.eval();
const preprocess = weights.transforms();
const categories = weights.meta.categories!;

// 3. Batches of 8: decode, preprocess, forward, softmax, top-k.
const shown: torch.Tensor[] = [];
const captions: string[] = [];
for (let i = 0; i < files.length; i += 8) {
  const batchFiles = files.slice(i, i + 8);
  const images = await Promise.all(batchFiles.map((f) => vision.io.openImage(f, { mode: 'RGB' })));
  const batch = torch.stack(images.map((img) => preprocess.call(img)));
  const { values, indices } = torch.inferenceMode(() => (model.call(batch) as torch.Tensor).softmax(1).topk(k, 1));
  const probs = values.toArray() as number[][];
  const classes = indices.toArray() as number[][];
  batchFiles.forEach((f, j) => {
    console.log(f);
    for (let r = 0; r < k; r++) console.log(`  ${(100 * probs[j]![r]!).toFixed(2).padStart(6)} %  ${categories[classes[j]![r]!]}`);
    if (shown.length < 16) {
      shown.push(torch.keep(batch.select(0, j).clone()));
      captions.push(`${categories[classes[j]![0]!]} (${(100 * probs[j]![0]!).toFixed(1)} %)`);
    }
  });
}

// 4. A picture of the images with their top-1 class.
const picture = await vision.utils.captionedGridAsync(shown, {
  captions, nrow: Math.min(4, shown.length), mean: preprocess.mean, std: preprocess.std, fontSize: 12,
});
vision.io.writePng(picture, args.out!);
console.log(`picture: ${args.out}`);
