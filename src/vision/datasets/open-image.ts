// PIL's Image.open(path).convert('RGB'), as torchvision's detection and segmentation data sets load their images:
// the one place these data sets read a picture, typed so that a change of the decoder's return type shows here.
import { readImage, readImageSync } from '../io/decode.js';
import type { RGBImage } from '../io/image.js';

export function openImage(path: string): RGBImage {
  const img: RGBImage = readImageSync(path, { mode: 'RGB' });
  return img;
}

export async function openImageAsync(path: string): Promise<RGBImage> {
  const img: RGBImage = await readImage(path, { mode: 'RGB' });
  return img;
}
