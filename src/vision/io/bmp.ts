// Windows BMP decoding in JavaScript (1/4/8-bit palettes, 16/24/32-bit, uncompressed or bit fields): part of
// torchvision's IMG_EXTENSIONS that libvips, as sharp ships it, does not load.
import type { RawImage } from './sharp-ops.js';

export function isBmp(b: Uint8Array): boolean {
  return b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d;
}

export function decodeBmp(b: Uint8Array): RawImage {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dataOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  if (headerSize < 40) throw new Error(`unsupported BMP header (${headerSize} bytes; OS/2 bitmaps are not supported)`);
  const width = dv.getInt32(18, true);
  const rawHeight = dv.getInt32(22, true);
  const bpp = dv.getUint16(28, true);
  const compression = dv.getUint32(30, true);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  if (width <= 0 || height === 0) throw new Error(`bad BMP size ${width}x${rawHeight}`);
  if (compression !== 0 && compression !== 3) throw new Error(`unsupported BMP compression ${compression} (RLE is not supported)`);
  let masks = bpp === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff];
  if (compression === 3) masks = [dv.getUint32(54, true), dv.getUint32(58, true), dv.getUint32(62, true)];
  const palette: number[][] = [];
  if (bpp <= 8) {
    const count = dv.getUint32(46, true) || 1 << bpp;
    for (let i = 0; i < count; i++) {
      const o = 14 + headerSize + i * 4;
      palette.push([b[o + 2]!, b[o + 1]!, b[o]!]);
    }
  }
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (dataOffset + stride * height > b.length) throw new Error(`truncated BMP data: ${b.length - dataOffset} bytes for ${stride * height}`);
  const out = new Uint8Array(width * height * 3);
  const channel = (v: number, mask: number): number => {
    if (mask === 0) return 0;
    let shift = 0;
    while (((mask >>> shift) & 1) === 0) shift++;
    const max = mask >>> shift;
    return Math.round((((v & mask) >>> shift) * 255) / max);
  };
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      let rgb: number[];
      if (bpp <= 8) {
        const bit = x * bpp;
        const idx = (b[row + (bit >> 3)]! >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        rgb = palette[idx] ?? [0, 0, 0];
      } else if (bpp === 24) {
        const o = row + x * 3;
        rgb = [b[o + 2]!, b[o + 1]!, b[o]!];
      } else if (bpp === 16 || bpp === 32) {
        const v = bpp === 16 ? dv.getUint16(row + x * 2, true) : dv.getUint32(row + x * 4, true);
        rgb = masks.map((m) => channel(v, m >>> 0));
      } else {
        throw new Error(`unsupported BMP bit depth ${bpp}`);
      }
      out.set(rgb, (y * width + x) * 3);
    }
  }
  return { width, height, channels: 3, data: out };
}
