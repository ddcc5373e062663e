// torchvision.datasets.CocoDetection and CocoCaptions: the images of a COCO-format annotation file (instances,
// person keypoints, captions) with their annotations. Sample i is (image, the list of its annotations), images by
// increasing id; images come as RGB (PIL's convert('RGB')).
import { join } from 'node:path';
import { openImage, openImageSync } from '../io/decode.js';
import type { RGBImage } from '../io/image.js';
import { COCO, type CocoAnnotation } from '../coco/coco.js';
import { VisionDataset, datasetOptions, type VisionDatasetOptions } from './vision-dataset.js';
import { classArgs, type PyRest } from '../../args.js';

export interface CocoDetectionOptions extends VisionDatasetOptions {
  /** The annotation file (instances_*.json, person_keypoints_*.json ...). */
  annFile: string;
}

export class CocoDetection<I = RGBImage, Tg = CocoAnnotation[]> extends VisionDataset<I, Tg> {
  readonly coco: COCO;
  /** Image ids, sorted: sample i is image ids[i]. */
  readonly ids: number[];

  /** torchvision's order (root, annFile, transform, targetTransform, transforms), or one options object. */
  constructor(root: string, annFile: string, ...rest: PyRest<CocoDetectionOptions, ['transform', 'targetTransform', 'transforms']>);
  constructor(opts: CocoDetectionOptions);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<CocoDetectionOptions>(CocoDetection, args);
    super(opts);
    if (typeof opts.annFile !== 'string' || opts.annFile === '') throw new TypeError(`${new.target.name}: the annFile option (a COCO JSON file) is required`);
    this.coco = new COCO(opts.annFile);
    this.ids = [...this.coco.imgs.keys()].sort((a, b) => a - b);
  }

  get length(): number { return this.ids.length; }

  protected idOf(index: number): number {
    const n = this.ids.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`${this.constructor.name}: index ${index} is out of range for ${n} images`);
    return this.ids[index < 0 ? index + n : index]!;
  }

  protected imagePath(id: number): string {
    const file = this.coco.loadImgs(id)[0]!.file_name;
    if (typeof file !== 'string') throw new TypeError(`${this.constructor.name}: image ${id} has no file_name in the annotation file`);
    return join(this.root, file);
  }

  protected loadTarget(id: number): unknown {
    return this.coco.loadAnns(this.coco.getAnnIds({ imgIds: id }));
  }

  get(index: number): [I, Tg] {
    const id = this.idOf(index);
    return this.sample(openImageSync(this.imagePath(id), { mode: 'RGB' }), this.loadTarget(id));
  }

  async getAsync(index: number): Promise<[I, Tg]> {
    const id = this.idOf(index);
    return this.sample(await openImage(this.imagePath(id), { mode: 'RGB' }), this.loadTarget(id));
  }

  protected override extraRepr(): string[] { return [`Annotation file: ${this.coco.dataset.images?.length ?? 0} images, ${this.coco.anns.size} annotations`]; }
}

/** The captions of each image (COCO captions files): sample i is (image, its captions). */
export class CocoCaptions<I = RGBImage> extends CocoDetection<I, string[]> {
  protected override loadTarget(id: number): unknown {
    return (super.loadTarget(id) as CocoAnnotation[]).map((a) => a.caption as string);
  }
}

const COCO_SPEC = '; root, annFile, transform, targetTransform, transforms';
classArgs(CocoDetection, 'torchvision.datasets.CocoDetection', COCO_SPEC);
classArgs(CocoCaptions, 'torchvision.datasets.CocoCaptions', COCO_SPEC);
