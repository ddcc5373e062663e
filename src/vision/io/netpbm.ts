// PGM and PPM (Netpbm P2/P3/P5/P6) decoding in JavaScript, as Pillow's PpmImagePlugin decodes them (part of
// torchvision's IMG_EXTENSIONS that libvips, as sharp ships it, does not load). Pillow's rules: header tokens of
// at most 10 characters, maxval 1..65535, samples scaled by round(value / maxval * 255) (Python's round: half to
// even); a grey image with maxval above 255 is Pillow's 32-bit mode 'I' (scaled to 65535), which becomes RGB or
// L by clipping at 255. The declared size is checked against the decompression-bomb limit and the bytes the
// file has before anything is allocated.
import type { RawImage } from './sharp-ops.js';
import { checkImagePixels, ImageDecodeError, TruncatedImageError, UnidentifiedImageError } from './limits.js';

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);

export function isNetpbm(b: Uint8Array): boolean {
  return b.length > 2 && b[0] === 0x50 && (b[1] === 0x32 || b[1] === 0x33 || b[1] === 0x35 || b[1] === 0x36) && WHITESPACE.has(b[2]!);
}

/** Python's round() of a non-negative float: half to even. */
function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export function decodeNetpbm(b: Uint8Array): RawImage {
  if (!isNetpbm(b)) throw new UnidentifiedImageError('not a PGM/PPM file');
  const kind = String.fromCharCode(b[1]!);
  let pos = 3;
  const headerToken = (what: string): number => {
    let token = '';
    while (token.length <= 10) {
      if (pos >= b.length) break;
      const c = b[pos++]!;
      if (WHITESPACE.has(c)) {
        if (token === '') continue;
        break;
      }
      if (c === 0x23) { // '#': a comment to the end of the line
        while (pos < b.length && b[pos] !== 0x0a && b[pos] !== 0x0d) pos++;
        pos++;
        continue;
      }
      token += String.fromCharCode(c);
    }
    if (token === '') throw new TruncatedImageError(`P${kind}: reached the end of the file while reading the header's ${what}`);
    if (token.length > 10) throw new ImageDecodeError(`P${kind}: token too long in the file header: ${token}`);
    if (!/^[+-]?\d+$/.test(token)) throw new ImageDecodeError(`P${kind}: the header's ${what} is not an integer: '${token}'`);
    return Number(token);
  };
  const width = headerToken('width'), height = headerToken('height'), maxval = headerToken('maxval');
  if (!(maxval > 0 && maxval < 65536)) throw new ImageDecodeError(`P${kind}: maxval must be greater than 0 and less than 65536, got ${maxval}`);
  if (!(width > 0 && height > 0)) throw new ImageDecodeError(`P${kind}: bad image size ${width}x${height}`);
  checkImagePixels(width, height);
  const channels = kind === '3' || kind === '6' ? 3 : 1;
  // Pillow's mode 'I' (grey, maxval > 255): samples scaled to 65535, then clipped to 255 by convert()
  const wide = channels === 1 && maxval > 255;
  const outMax = wide ? 65535 : 255;
  const n = width * height * channels;
  const sample = (v: number): number => {
    const s = maxval === outMax ? v : pyRound((v / maxval) * outMax);
    return Math.min(255, s);
  };
  if (kind === '5' || kind === '6') {
    const bytesPer = maxval > 255 ? 2 : 1;
    if (b.length - pos < n * bytesPer) throw new TruncatedImageError(`image file is truncated: ${Math.max(0, b.length - pos)} bytes of P${kind} data for ${n * bytesPer}`);
    const out = new Uint8Array(n);
    if (bytesPer === 1 && maxval === 255) out.set(b.subarray(pos, pos + n));
    else for (let i = 0; i < n; i++) out[i] = sample(bytesPer === 1 ? b[pos + i]! : (b[pos + 2 * i]! << 8) | b[pos + 2 * i + 1]!);
    return { width, height, channels, data: out };
  }
  // plain (text) samples: each takes at least two bytes, so a short file is known before allocating
  if ((b.length - pos + 1) / 2 < n) throw new TruncatedImageError(`not enough image data: ${b.length - pos} bytes of P${kind} text for ${n} samples`);
  const out = new Uint8Array(n);
  let i = 0;
  while (i < n) {
    while (pos < b.length && (WHITESPACE.has(b[pos]!) || b[pos] === 0x23)) {
      if (b[pos] === 0x23) while (pos < b.length && b[pos] !== 0x0a && b[pos] !== 0x0d) pos++;
      else pos++;
    }
    if (pos >= b.length) break;
    const start = pos;
    while (pos < b.length && !WHITESPACE.has(b[pos]!) && b[pos] !== 0x23) pos++;
    if (pos - start > 10) throw new ImageDecodeError(`P${kind}: token too long in the data at byte ${start}`);
    const tok = String.fromCharCode(...b.subarray(start, pos));
    if (!/^[+-]?\d+$/.test(tok)) throw new ImageDecodeError(`P${kind}: sample '${tok}' at byte ${start} is not an integer`);
    const v = Number(tok);
    if (v > maxval) throw new ImageDecodeError(`P${kind}: channel value too large for this mode: ${v}`);
    if (v < 0) throw new ImageDecodeError(`P${kind}: negative sample ${v} at byte ${start}`);
    out[i++] = sample(v);
  }
  if (i < n) throw new TruncatedImageError(`not enough image data: ${i} of ${n} P${kind} samples`);
  return { width, height, channels, data: out };
}
