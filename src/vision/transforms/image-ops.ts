// Geometric operations on 8-bit HWC images in plain loops: for a 32x32 CIFAR image a JavaScript loop costs a
// few microseconds, far less than a native call, so only the final tensor needs one.
import { createImage, type RGBImage } from '../io/image.js';

export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

/** The source index for `i` in a padded axis of length n, or -1 for the fill value. */
function sourceIndex(i: number, n: number, mode: PaddingMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'constant': return -1;
    case 'edge': return i < 0 ? 0 : n - 1;
    case 'reflect': {
      if (n === 1) return 0;
      const period = 2 * (n - 1);
      let k = ((i % period) + period) % period;
      if (k >= n) k = period - k;
      return k;
    }
    case 'symmetric': {
      const period = 2 * n;
      let k = ((i % period) + period) % period;
      if (k >= n) k = period - 1 - k;
      return k;
    }
  }
}

function fillBytes(fill: number | readonly number[], channels: number): Uint8Array {
  const f = new Uint8Array(channels);
  if (typeof fill === 'number') {
    f.fill(Math.max(0, Math.min(255, Math.trunc(fill))));
  } else {
    if (fill.length !== 1 && fill.length !== channels) {
      throw new RangeError(`fill must be a number or have one value per channel (${channels}), got [${fill.join(', ')}]`);
    }
    for (let c = 0; c < channels; c++) f[c] = Math.max(0, Math.min(255, Math.trunc(fill[fill.length === 1 ? 0 : c]!)));
  }
  return f;
}

/**
 * The h x w window whose top-left corner is (top, left) in `img` extended beyond its borders by `mode`:
 * one function for crop (constant 0 outside, as PIL crops), pad (a window larger than the image) and their
 * combination (RandomCrop with padding) without an intermediate image.
 */
export function window(img: RGBImage, top: number, left: number, h: number, w: number,
  mode: PaddingMode = 'constant', fill: number | readonly number[] = 0): RGBImage {
  if (h < 0 || w < 0) throw new RangeError(`window: negative size ${h}x${w}`);
  const C = img.channels;
  const W = img.width;
  const src = img.data;
  const out = new Uint8Array(h * w * C);
  const f = fillBytes(fill, C);
  const zeroFill = f.every((v) => v === 0);
  const fillRun = (from: number, to: number): void => {
    if (zeroFill) return;
    for (let k = from; k < to; k += C) for (let c = 0; c < C; c++) out[k + c] = f[c]!;
  };
  if (mode === 'constant') {
    // the columns inside the image form one run, copied row by row; the rest is fill
    const xa = Math.min(w, Math.max(0, -left));
    const xb = Math.max(xa, Math.min(w, W - left));
    for (let y = 0; y < h; y++) {
      const sy = top + y;
      const o = y * w * C;
      if (sy < 0 || sy >= img.height) { fillRun(o, o + w * C); continue; }
      fillRun(o, o + xa * C);
      if (xb > xa) out.set(src.subarray((sy * W + left + xa) * C, (sy * W + left + xb) * C), o + xa * C);
      fillRun(o + xb * C, o + w * C);
    }
    return createImage(w, h, C, out);
  }
  const cols = new Int32Array(w);
  for (let x = 0; x < w; x++) cols[x] = sourceIndex(left + x, W, mode);
  for (let y = 0; y < h; y++) {
    const sy = sourceIndex(top + y, img.height, mode);
    const rowStart = sy * W * C;
    const o = y * w * C;
    for (let x = 0; x < w; x++) {
      const s = rowStart + cols[x]! * C;
      const d = o + x * C;
      for (let c = 0; c < C; c++) out[d + c] = src[s + c]!;
    }
  }
  return createImage(w, h, C, out);
}

/** Padding [left, top, right, bottom] (negative values crop). */
export function padImage(img: RGBImage, ltrb: readonly [number, number, number, number], mode: PaddingMode, fill: number | readonly number[]): RGBImage {
  const [l, t, r, b] = ltrb;
  const h = img.height + t + b;
  const w = img.width + l + r;
  if (h < 0 || w < 0) throw new RangeError(`pad: padding [${ltrb.join(', ')}] removes more than the ${img.width}x${img.height} image`);
  return window(img, -t, -l, h, w, mode, fill);
}

export function hflipImage(img: RGBImage): RGBImage {
  const { width: W, height: H, channels: C, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < H; y++) {
    const row = y * W * C;
    for (let x = 0; x < W; x++) {
      const s = row + x * C;
      const d = row + (W - 1 - x) * C;
      for (let c = 0; c < C; c++) out[d + c] = data[s + c]!;
    }
  }
  return createImage(W, H, C, out);
}

export function vflipImage(img: RGBImage): RGBImage {
  const { width: W, height: H, channels: C, data } = img;
  const out = new Uint8Array(data.length);
  const rowBytes = W * C;
  for (let y = 0; y < H; y++) out.set(data.subarray(y * rowBytes, (y + 1) * rowBytes), (H - 1 - y) * rowBytes);
  return createImage(W, H, C, out);
}

/** CHW float32 values in [0, 1] (`x / 255` rounded to float32, exactly as ToTensor divides). */
export function imageToCHWFloat(img: RGBImage): Float32Array {
  const { width: W, height: H, channels: C, data } = img;
  const plane = W * H;
  const out = new Float32Array(plane * C);
  for (let c = 0; c < C; c++) {
    const o = c * plane;
    for (let p = 0, s = c; p < plane; p++, s += C) out[o + p] = data[s]! / 255;
  }
  return out;
}

/** CHW uint8 bytes. */
export function imageToCHWBytes(img: RGBImage): Uint8Array {
  const { width: W, height: H, channels: C, data } = img;
  if (C === 1) return data.slice();
  const plane = W * H;
  const out = new Uint8Array(plane * C);
  for (let c = 0; c < C; c++) {
    const o = c * plane;
    for (let p = 0, s = c; p < plane; p++, s += C) out[o + p] = data[s]!;
  }
  return out;
}

/**
 * ToTensor followed by Normalize as a table per channel: ((x / 255) - mean) / std with float32 rounding after
 * each step, exactly what the two transforms compute (float32 operands, so double arithmetic rounded to
 * float32 is correctly rounded), for each of the 256 byte values.
 */
export function normalizeTables(channels: number, mean: readonly number[], std: readonly number[]): Float32Array[] {
  if ((mean.length !== 1 && mean.length !== channels) || (std.length !== 1 && std.length !== channels)) {
    throw new RangeError(`Normalize: mean and std need 1 or ${channels} values for a ${channels}-channel image, got ${mean.length} and ${std.length}`);
  }
  return Array.from({ length: channels }, (_, c) => {
    const m = Math.fround(mean[mean.length === 1 ? 0 : c]!);
    const sd = Math.fround(std[std.length === 1 ? 0 : c]!);
    if (sd === 0) throw new RangeError('Normalize: std evaluated to zero after conversion to float32, leading to division by zero');
    const t = new Float32Array(256);
    for (let v = 0; v < 256; v++) t[v] = Math.fround(Math.fround(v / 255) - m) / sd;
    return t;
  });
}

/** CHW float32 through per-channel tables (see normalizeTables). */
export function imageThroughTables(img: RGBImage, tables: readonly Float32Array[]): Float32Array {
  const { width: W, height: H, channels: C, data } = img;
  const plane = W * H;
  const out = new Float32Array(plane * C);
  for (let c = 0; c < C; c++) {
    const t = tables[c]!;
    const o = c * plane;
    for (let p = 0, s = c; p < plane; p++, s += C) out[o + p] = t[data[s]!]!;
  }
  return out;
}
