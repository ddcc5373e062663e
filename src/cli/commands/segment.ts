// `tstorch segment deeplabv3_resnet50 --weights DEFAULT|FILE photos/ --out DIR`: semantic segmentation of
// photos with a zoo segmentation model. For each photo, DIR gets <name>.png (the photo with each class painted in
// its VOC colour and a legend) and <name>-mask.png (the class index of every pixel, grey levels 0..20), and the
// per-class pixel counts are printed (or written as JSON with --json).
import { mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import * as torch from '../../index.js';
import { parseArgs, helpText, type OptionSpec } from '../args.js';
import { UserError } from '../errors.js';
import { listImages } from '../../train/predict.js';
import { formatSegmentation, loadSegmentationModel, segmentFiles, segmentationPicture } from '../../train/segment.js';
import { segmentationModels } from '../../train/zoo-names.js';
import { writePng } from '../../vision/io/tensor-io.js';
import { tensorToImage } from '../../vision/io/image.js';

const spec = {
  weights: { type: 'string', default: 'DEFAULT', help: "DEFAULT, a published name (COCO_WITH_VOC_LABELS_V1), a checkpoint file, or 'none'" },
  out: { type: 'string', help: 'folder for the pictures (<name>.png) and class maps (<name>-mask.png)' },
  alpha: { type: 'number', default: 0.6, help: 'opacity of the class colours over the photo (0..1)' },
  json: { type: 'boolean', default: false, help: 'print the per-class pixel counts as JSON' },
  threads: { type: 'number', default: 0, help: 'libtorch intra-op threads (0: all cores)' },
} satisfies Record<string, OptionSpec>;

export const help = helpText('segment', '<model> [--weights W] <image or folder>... --out DIR [options]', spec) +
  `\n\nModels: ${segmentationModels().join(', ')}.`;

export async function run(argv: string[]): Promise<void> {
  const a = parseArgs(argv, spec, 'segment', { max: Infinity });
  const [name, ...inputs] = a._;
  if (!name) throw new UserError("segment: name a model, e.g. 'tstorch segment deeplabv3_resnet50 photo.jpg --out seg/'");
  if (inputs.length === 0) throw new UserError('segment: name at least one image file or folder');
  if (!a.out) throw new UserError('segment: --out DIR is required (where the pictures go)');
  if (!(a.alpha >= 0 && a.alpha <= 1)) throw new UserError(`segment: --alpha must be between 0 and 1, got ${a.alpha}`);
  if (a.threads > 0) torch.setNumThreads(a.threads);
  const files = listImages(inputs, 'segment');
  if (files.length === 0) throw new UserError(`segment: no image files in ${inputs.join(', ')}`);
  const loaded = await loadSegmentationModel(name, a.weights!);
  if (loaded.source === 'random initialisation') console.error('segment: note: random weights (--weights none); the classes mean nothing');
  try {
    mkdirSync(a.out, { recursive: true });
  } catch (e) {
    throw new UserError(`segment: cannot create --out folder '${a.out}': ${(e as Error).message}`);
  }
  const used = new Set<string>();
  const written: string[] = [];
  const results = await segmentFiles(loaded, files, {
    onImage: async (img, classMap, result) => {
      // one output name per photo, even when two folders hold the same file name
      const stem = basename(result.file, extname(result.file));
      let s = stem;
      for (let k = 2; used.has(s); k++) s = `${stem}-${k}`;
      used.add(s);
      writePng(await segmentationPicture(img, classMap, result, loaded.classes, a.alpha), join(a.out!, `${s}.png`));
      writePng(tensorToImage(classMap.unsqueeze(0)), join(a.out!, `${s}-mask.png`));
      written.push(join(a.out!, `${s}.png`));
    },
  });
  if (a.json) {
    console.log(JSON.stringify({ model: name, weights: loaded.source, classes: loaded.classes, images: results.map((r, i) => ({ ...r, picture: written[i] })) }, null, 2));
    return;
  }
  console.log(`${name} (${loaded.source}):`);
  console.log(formatSegmentation(results));
  console.log(`pictures in ${a.out} (<name>.png: the photo with the classes in colour; <name>-mask.png: class indices)`);
}
