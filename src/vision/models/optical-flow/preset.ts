// torchvision's OpticalFlow preset (transforms/_presets.py): the two images of a pair (uint8 [C, H, W] or
// [N, C, H, W], or decoded images) to float32 in [-1, 1], contiguous, as the RAFT weights expect them.
import { Tensor } from '../../../tensor.js';
import * as F from '../../transforms/functional.js';
import type { ImageOrTensor } from '../../transforms/functional.js';
import { bindOwn, classArgs } from '../../../args.js';

export class OpticalFlow {
  constructor() { bindOwn(OpticalFlow, arguments); }
  /** `transforms(img1, img2)` in Python: both images, preprocessed. */
  call(img1: ImageOrTensor, img2: ImageOrTensor): [Tensor, Tensor] {
    return [this.one(img1), this.one(img2)];
  }

  private one(img: ImageOrTensor): Tensor {
    let t = img instanceof Tensor ? img : F.pilToTensor(img);
    t = F.convertImageDtype(t, 'float32');
    return F.normalize(t, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]).contiguous();
  }

  toString(): string { return 'OpticalFlow()'; }
}
classArgs(OpticalFlow, 'torchvision.transforms._presets.OpticalFlow', '');

export const opticalFlowPreset = (): OpticalFlow => new OpticalFlow();
