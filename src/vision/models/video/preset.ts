// torchvision's VideoClassification preset (transforms/_presets.py): the inference preprocessing of the video
// models' weights. Frames [T, C, H, W] (or a batch [N, T, C, H, W]) uint8 are resized (bilinear, no
// antialiasing, as torchvision 0.14's tensor resize), centre-cropped, scaled to [0, 1], normalised, and
// permuted to the models' layout [C, T, H, W] ([N, C, T, H, W]).
import { Tensor } from '../../../tensor.js';
import { Transform } from '../../transforms/transforms.js';
import { resize, type InterpolationMode } from '../../transforms/image-geometry.js';
import * as F from '../../transforms/functional.js';
import { presetArgs, type ClassificationTransformParams } from '../weights.js';
import { bindOwn, classArgs } from '../../../args.js';

export interface VideoClassificationParams {
  cropSize: number[];
  resizeSize: number[];
  mean?: number[];
  std?: number[];
  interpolation?: string;
}

export class VideoClassification extends Transform<Tensor, Tensor> {
  readonly cropSize: number[];
  readonly resizeSize: number[];
  readonly mean: number[];
  readonly std: number[];
  readonly interpolation: InterpolationMode;

  constructor(p: VideoClassificationParams) {
    [p] = bindOwn(VideoClassification, arguments) as ConstructorParameters<typeof VideoClassification>;
    super();
    this.cropSize = [...p.cropSize];
    this.resizeSize = [...p.resizeSize];
    this.mean = [...(p.mean ?? [0.43216, 0.394666, 0.37645])];
    this.std = [...(p.std ?? [0.22803, 0.22145, 0.216989])];
    this.interpolation = (p.interpolation ?? 'bilinear') as InterpolationMode;
  }

  forward(vid: Tensor): Tensor {
    if (!(vid instanceof Tensor) || (vid.ndim !== 4 && vid.ndim !== 5)) {
      throw new TypeError(`VideoClassification: expected frames [T, C, H, W] or [N, T, C, H, W], got ${vid instanceof Tensor ? `shape [${vid.shape}]` : typeof vid}`);
    }
    const needSqueeze = vid.ndim < 5;
    const v = needSqueeze ? vid.unsqueeze(0) : vid;
    const [n, t, c, h, w] = v.shape as number[] as [number, number, number, number, number];
    let x = v.reshape([-1, c, h, w]);
    x = resize(x, this.resizeSize, { interpolation: this.interpolation });
    x = F.centerCrop(x, this.cropSize);
    x = F.convertImageDtype(x, 'float32');
    x = F.normalize(x, this.mean, this.std);
    const [ch, cw] = this.cropSize.length === 1 ? [this.cropSize[0]!, this.cropSize[0]!] : this.cropSize as [number, number];
    x = x.reshape(n, t, c, ch, cw).permute(0, 2, 1, 3, 4);
    return needSqueeze ? x.squeeze(0) : x;
  }

  override toString(): string {
    const list = (v: number[]): string => `[${v.join(', ')}]`;
    return `VideoClassification(\n    crop_size=${list(this.cropSize)}\n    resize_size=${list(this.resizeSize)}\n    mean=${list(this.mean)}\n` +
      `    std=${list(this.std)}\n    interpolation=InterpolationMode.${this.interpolation.toUpperCase()}\n)`;
  }
}
classArgs(VideoClassification, 'tstorch.vision.models.video.VideoClassification', '; *, cropSize, resizeSize, mean, std, interpolation');

/** The preset of the video weights tables (weights.transforms()). */
export const videoPreset = (p: ClassificationTransformParams): VideoClassification =>
  new VideoClassification(presetArgs(p, ['cropSize', 'resizeSize', 'mean', 'std', 'interpolation']));
