// torchvision's references/detection/presets.py: the training and evaluation pipelines of the detection recipes
// ('hflip' for Faster/Mask/Keypoint R-CNN, 'lsj' and 'multiscale' for the v2 models, 'ssd', 'ssdlite').
import {
  ConvertImageDtype, DetectionCompose, FixedSizeCrop, PILToTensor, RandomHorizontalFlip, RandomIoUCrop,
  RandomPhotometricDistort, RandomShortestSize, RandomZoomOut, ScaleJitter, type DetectionPair, type DetTarget,
} from './detection.js';
import type { ImageOrTensor } from './functional.js';
import { bindCtor, classArgs } from '../../args.js';

export type DetectionAugmentation = 'hflip' | 'lsj' | 'multiscale' | 'ssd' | 'ssdlite';

export interface DetectionPresetTrainOptions {
  dataAugmentation: DetectionAugmentation;
  hflipProb?: number;
  /** The fill of padding and zoom-out canvases. Default [123, 117, 104]. */
  mean?: [number, number, number];
}

export class DetectionPresetTrain {
  readonly transforms: DetectionCompose;
  /** The references' keyword-only arguments: { dataAugmentation, hflipProb, mean }. */
  constructor(opts: DetectionPresetTrainOptions);
  constructor(...args: unknown[]) {
    const [opts = {} as DetectionPresetTrainOptions] = bindCtor(DetectionPresetTrain, args) as [DetectionPresetTrainOptions | undefined];
    const hflipProb = opts.hflipProb ?? 0.5;
    const mean = opts.mean ?? [123.0, 117.0, 104.0];
    const tail = [new RandomHorizontalFlip(hflipProb), new PILToTensor(), new ConvertImageDtype('float32')];
    switch (opts.dataAugmentation) {
      case 'hflip': this.transforms = new DetectionCompose(tail); break;
      case 'lsj': this.transforms = new DetectionCompose([new ScaleJitter([1024, 1024]), new FixedSizeCrop([1024, 1024], [...mean]), ...tail]); break;
      case 'multiscale': this.transforms = new DetectionCompose([new RandomShortestSize([480, 512, 544, 576, 608, 640, 672, 704, 736, 768, 800], 1333), ...tail]); break;
      case 'ssd': this.transforms = new DetectionCompose([new RandomPhotometricDistort(), new RandomZoomOut({ fill: [...mean] }), new RandomIoUCrop(), ...tail]); break;
      case 'ssdlite': this.transforms = new DetectionCompose([new RandomIoUCrop(), ...tail]); break;
      default: throw new RangeError(`DetectionPresetTrain: unknown data augmentation policy "${String(opts.dataAugmentation)}" (hflip, lsj, multiscale, ssd, ssdlite)`);
    }
  }
  call(img: ImageOrTensor, target: DetTarget | null): DetectionPair { return this.transforms.call(img, target); }
}

export class DetectionPresetEval {
  constructor(...args: []) { bindCtor(DetectionPresetEval, args); }
  readonly transforms = new DetectionCompose([new PILToTensor(), new ConvertImageDtype('float32')]);
  call(img: ImageOrTensor, target: DetTarget | null): DetectionPair { return this.transforms.call(img, target); }
}

classArgs(DetectionPresetTrain, 'torchvision references/detection presets.DetectionPresetTrain', '; *, dataAugmentation, hflipProb, mean');
classArgs(DetectionPresetEval, 'torchvision references/detection presets.DetectionPresetEval', '');
