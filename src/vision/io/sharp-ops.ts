// The sharp (libvips) calls behind decoding and encoding, shared by the asynchronous API and by the worker
// that serves the synchronous one. Plain data in and out, so they can cross a thread boundary.
import type Sharp from 'sharp';
import type { SharpOptions } from 'sharp';
import { checkImagePixels, DEFAULT_MAX_IMAGE_PIXELS, hardPixelLimit, UnidentifiedImageError } from './limits.js';

/** What libvips decodes for us: the formats Pillow opens among those sharp ships. */
const PIL_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff']);

// sharp (libvips) is loaded on first use: most JPEGs are decoded by the addon, and importing sharp costs about
// 70 ms, which every DataLoader worker thread would otherwise pay at each epoch's start.
let loaded: typeof Sharp | undefined;
async function sharpModule(): Promise<typeof Sharp> {
  loaded ??= (await import('sharp')).default;
  return loaded;
}

export interface RawImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/**
 * Decodes to 8-bit samples: RGB (alpha dropped) by default; with `unchanged`, grey stays grey and alpha stays,
 * as torchvision.io.read_image's ImageReadMode.UNCHANGED.
 */
export async function decodeRaw(buffer: Uint8Array, unchanged = false, limit: number | null = DEFAULT_MAX_IMAGE_PIXELS): Promise<RawImage> {
  const sharp = await sharpModule();
  // PIL ignores embedded ICC profiles and torchvision's pipelines see the stored samples, so libvips must not
  // colour-manage. autoOrient applies the EXIF orientation, as PIL's ImageOps.exif_transpose would.
  // failOn 'truncated': files PIL opens despite libjpeg warnings (extraneous bytes...) still decode.
  // limitInputPixels: libvips' own check at twice the decompression-bomb limit, behind ours on the header.
  const hard = hardPixelLimit(limit);
  // sequentialRead: the pixels stream to the output buffer instead of being held twice (a whole-image input copy)
  let opts: SharpOptions = { failOn: 'truncated', ignoreIcc: true, autoOrient: true, pages: 1, sequentialRead: true, limitInputPixels: Number.isFinite(hard) ? hard : false };
  const meta = await sharp(buffer, { ...opts, limitInputPixels: false }).metadata();
  // Only the formats Pillow decodes: libvips would also render SVG (which can reference other files), HEIF...
  if (!PIL_FORMATS.has(meta.format ?? '')) throw new UnidentifiedImageError(`cannot identify image file (a ${meta.format ?? 'unknown'} file, which Pillow does not decode)`);
  checkImagePixels(meta.width ?? 0, meta.height ?? 0, { limit, warn: false });
  // libtiff's read errors (a strip past the end of the file) are only warnings to libvips; Pillow refuses the file
  if (meta.format === 'tiff') opts = { ...opts, failOn: 'error' };
  // CMYK: libvips would convert through a CMYK profile; PIL (hence torchvision) uses a plain formula.
  const cmyk = meta.space === 'cmyk';
  const grey = unchanged && (meta.channels === 1 || meta.channels === 2) && !cmyk;
  // libvips' 'b-w' output drops alpha, so grey+alpha goes through sRGB (grey replicated) and is split below.
  const greyAlpha = grey && meta.channels === 2;
  let s = cmyk ? sharp(buffer, opts).pipelineColourspace('cmyk').toColourspace('cmyk')
    : sharp(buffer, opts).toColourspace(grey && !greyAlpha ? 'b-w' : 'srgb');
  // RGB output: libvips drops alpha itself (no compositing, as PIL's convert('RGB')), so that a large RGBA image
  // never exists in memory next to its RGB copy
  if (!unchanged && !cmyk) s = s.removeAlpha();
  const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
  let channels: number = info.channels;
  let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const n = info.width * info.height;
  if (greyAlpha && channels === 4) {
    const out = new Uint8Array(n * 2);
    for (let i = 0; i < n; i++) { out[i * 2] = bytes[i * 4]!; out[i * 2 + 1] = bytes[i * 4 + 3]!; }
    return { width: info.width, height: info.height, channels: 2, data: out };
  }
  if (cmyk && channels >= 4) {
    const out = new Uint8Array(n * 3);
    const muldiv255 = (a: number, b: number): number => { const t = a * b + 128; return ((t >> 8) + t) >> 8; };
    for (let i = 0; i < n; i++) {
      const nk = 255 - bytes[i * channels + 3]!;
      for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.max(0, nk - muldiv255(bytes[i * channels + c]!, nk));
    }
    return { width: info.width, height: info.height, channels: 3, data: out };
  }
  if (!unchanged && (channels === 2 || channels === 4)) {
    // Grey+alpha or RGBA: drop alpha without compositing, as PIL's convert('RGB') does.
    const keep = channels - 1;
    const out = new Uint8Array(n * keep);
    for (let i = 0; i < n; i++) for (let c = 0; c < keep; c++) out[i * keep + c] = bytes[i * channels + c]!;
    bytes = out;
    channels = keep;
  }
  return { width: info.width, height: info.height, channels, data: bytes };
}

export interface EncodeOptions {
  format?: 'png' | 'jpeg' | 'webp';
  /** JPEG/WebP quality, 1-100 (default 75, as PIL's JPEG writer). */
  quality?: number;
  /** PNG zlib compression level, 0-9 (default 6, as torchvision's write_png and PIL). */
  compressionLevel?: number;
}

export async function encodeRaw(img: RawImage, opts: EncodeOptions = {}): Promise<Uint8Array> {
  const sharp = await sharpModule();
  const format = opts.format ?? 'png';
  let s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels as 1 | 2 | 3 | 4 } });
  // grey (and grey + alpha) stays grey, as PIL and torchvision write it; libvips would otherwise write sRGB
  if (img.channels <= 2) s = s.toColourspace('b-w');
  let out: Buffer;
  if (format === 'png') out = await s.png({ compressionLevel: opts.compressionLevel ?? 6 }).toBuffer();
  else if (format === 'jpeg') out = await s.jpeg({ quality: opts.quality ?? 75 }).toBuffer();
  else if (format === 'webp') out = await s.webp({ quality: opts.quality ?? 80 }).toBuffer();
  else throw new RangeError(`encodeImage: format must be 'png', 'jpeg' or 'webp', got '${String(format)}'`);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Rasterises an SVG document (text through pango and fontconfig) to RGB bytes. */
export async function renderSvgRaw(svg: string): Promise<RawImage> {
  const sharp = await sharpModule();
  const { data, info } = await sharp(Buffer.from(svg, 'utf8')).flatten({ background: '#ffffff' }).toColourspace('srgb')
    .raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Draws an SVG document (same size as the image; text through pango) over an RGB image. */
export async function overlaySvgRaw(base: RawImage, svg: string): Promise<RawImage> {
  const sharp = await sharpModule();
  const { data, info } = await sharp(base.data, { raw: { width: base.width, height: base.height, channels: base.channels as 1 | 3 | 4 } })
    .composite([{ input: Buffer.from(svg, 'utf8'), top: 0, left: 0 }])
    .removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** An SVG document as PNG bytes. */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  const sharp = await sharpModule();
  const out = await sharp(Buffer.from(svg, 'utf8')).png().toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export type Job =
  | { kind: 'decode'; buffer: Uint8Array; unchanged?: boolean; limit?: number | null }
  | { kind: 'encode'; image: RawImage; opts: EncodeOptions }
  | { kind: 'svg'; svg: string }
  | { kind: 'overlay'; image: RawImage; svg: string }
  | { kind: 'svgPng'; svg: string };

export async function runJob(job: Job): Promise<RawImage | Uint8Array> {
  switch (job.kind) {
    case 'decode': return decodeRaw(job.buffer, job.unchanged ?? false, job.limit === undefined ? DEFAULT_MAX_IMAGE_PIXELS : job.limit);
    case 'encode': return encodeRaw(job.image, job.opts);
    case 'svg': return renderSvgRaw(job.svg);
    case 'overlay': return overlaySvgRaw(job.image, job.svg);
    case 'svgPng': return svgToPng(job.svg);
  }
}
