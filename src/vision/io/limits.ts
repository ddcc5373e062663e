import { bindOwn, classArgs, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(checkImagePixels, 'checkImagePixels', 'tstorch.vision.io.checkImagePixels', 'width, height; *, limit, warn');
registerSignature(getMaxImagePixels, 'getMaxImagePixels', 'tstorch.vision.io.getMaxImagePixels', '');
registerSignature(setMaxImagePixels, 'setMaxImagePixels', 'tstorch.vision.io.setMaxImagePixels', 'limit');
// What an image file may cost before a single pixel is allocated, and the errors that say why a file was
// refused. Pillow's decompression-bomb guard (PIL.Image.MAX_IMAGE_PIXELS, _decompression_bomb_check): a
// 600-byte JPEG or PNG can declare 16000 x 16000 pixels, which would take 768 MB and seconds to decode, so every
// decoder reads the header's size first and calls checkImagePixels: above the limit a DecompressionBombWarning,
// above twice the limit a DecompressionBombError, as Pillow. The limit is per process and per thread:
// setMaxImagePixels also sets TSTORCH_MAX_IMAGE_PIXELS, which threads started afterwards (DataLoader workers,
// the synchronous decoder's thread) read.

/** Pillow's default MAX_IMAGE_PIXELS: 1024 * 1024 * 1024 // 4 // 3. */
export const DEFAULT_MAX_IMAGE_PIXELS = 89_478_485;
const ENV = 'TSTORCH_MAX_IMAGE_PIXELS';

/** Why an image could not be decoded. */
export type ImageErrorReason = 'bomb' | 'truncated' | 'not-an-image' | 'corrupt';

/** An image file or buffer that cannot be decoded; `reason` says which kind of problem it is. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
  readonly reason: ImageErrorReason;
  constructor(message: string, reason: ImageErrorReason = 'corrupt') {
    [message, reason = 'corrupt'] = bindOwn(ImageDecodeError, arguments) as ConstructorParameters<typeof ImageDecodeError>;
    super(message);
    this.reason = reason;
  }
  /** The same error with the file (or buffer) it concerns named in front. */
  named(what: string): ImageDecodeError {
    return imageError(this.reason, `cannot decode image ${what}: ${this.message}`);
  }
}
classArgs(ImageDecodeError, 'tstorch.vision.io.ImageDecodeError', 'message, reason?');

/** PIL.Image.DecompressionBombError: the image declares more than twice MAX_IMAGE_PIXELS pixels. */
export class DecompressionBombError extends ImageDecodeError {
  override name = 'DecompressionBombError';
  constructor(message: string) { [message] = bindOwn(DecompressionBombError, arguments) as ConstructorParameters<typeof DecompressionBombError>;
                                 super(message, 'bomb'); }
}
classArgs(DecompressionBombError, 'tstorch.vision.io.DecompressionBombError', 'message');

/** The file ends before its pixels do (PIL: "image file is truncated"). */
export class TruncatedImageError extends ImageDecodeError {
  override name = 'TruncatedImageError';
  constructor(message: string) { [message] = bindOwn(TruncatedImageError, arguments) as ConstructorParameters<typeof TruncatedImageError>;
                                 super(message, 'truncated'); }
}
classArgs(TruncatedImageError, 'tstorch.vision.io.TruncatedImageError', 'message');

/** PIL.UnidentifiedImageError: not a format that is decoded here (nor by Pillow). */
export class UnidentifiedImageError extends ImageDecodeError {
  override name = 'UnidentifiedImageError';
  constructor(message: string) { [message] = bindOwn(UnidentifiedImageError, arguments) as ConstructorParameters<typeof UnidentifiedImageError>;
                                 super(message, 'not-an-image'); }
}
classArgs(UnidentifiedImageError, 'tstorch.vision.io.UnidentifiedImageError', 'message');

/** The error class for a reason (errors crossing a thread boundary are rebuilt with it). */
export function imageError(reason: ImageErrorReason, message: string): ImageDecodeError {
  switch (reason) {
    case 'bomb': return new DecompressionBombError(message);
    case 'truncated': return new TruncatedImageError(message);
    case 'not-an-image': return new UnidentifiedImageError(message);
    default: return new ImageDecodeError(message, 'corrupt');
  }
}

let explicit: { limit: number | null } | undefined;

function parseLimit(v: unknown, what: string): number | null {
  if (v === null || v === 'none' || v === 'None') return null;
  const n = typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`${what} must be a positive integer number of pixels or null/'none' (no limit), got ${typeof v === 'string' ? `'${v}'` : String(v)}`);
  }
  return n;
}

/** PIL.Image.MAX_IMAGE_PIXELS: the pixel count above which decoding warns (null: no limit). */
export function getMaxImagePixels(): number | null {
  bindOwn(getMaxImagePixels, arguments);
  if (explicit !== undefined) return explicit.limit;
  const env = process.env[ENV];
  if (env === undefined || env === '') return DEFAULT_MAX_IMAGE_PIXELS;
  return parseLimit(env, `$${ENV}`);
}

/**
 * Sets MAX_IMAGE_PIXELS (null: no limit, as Pillow's `Image.MAX_IMAGE_PIXELS = None`) for this thread and, through
 * $TSTORCH_MAX_IMAGE_PIXELS, for worker threads started afterwards.
 */
export function setMaxImagePixels(limit: number | null): void {
  [limit] = bindOwn(setMaxImagePixels, arguments) as Parameters<typeof setMaxImagePixels>;
  const l = parseLimit(limit, 'setMaxImagePixels');
  explicit = { limit: l };
  process.env[ENV] = l === null ? 'none' : String(l);
}

/**
 * The most pixels a decoder may allocate: twice the limit (Pillow's error threshold), or Infinity without a
 * limit. Decoders that take a limit of their own (libjpeg in the addon, sharp's limitInputPixels) get this.
 */
export function hardPixelLimit(limit: number | null = getMaxImagePixels()): number {
  return limit === null ? Infinity : 2 * limit;
}

const warned = new Set<string>();

/**
 * Pillow's _decompression_bomb_check for a header's size, before anything is allocated: throws a
 * DecompressionBombError above twice `limit`, warns (once per message, as Python's warnings) above `limit`.
 */
export function checkImagePixels(width: number, height: number, opts: { limit?: number | null; warn?: boolean } = {}): void {
  [width, height, opts = {}] = bindOwn(checkImagePixels, arguments) as Parameters<typeof checkImagePixels>;
  const limit = opts.limit === undefined ? getMaxImagePixels() : opts.limit;
  if (limit === null) return;
  const pixels = width * height;
  if (pixels > 2 * limit) {
    throw new DecompressionBombError(`Image size (${pixels} pixels) exceeds limit of ${2 * limit} pixels, could be decompression bomb DOS attack.`);
  }
  if (pixels > limit && opts.warn !== false) {
    const msg = `Image size (${pixels} pixels) exceeds limit of ${limit} pixels, could be decompression bomb DOS attack.`;
    if (!warned.has(msg)) {
      warned.add(msg);
      process.emitWarning(msg, 'DecompressionBombWarning');
    }
  }
}
