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

/** Python's round() of a float: half to even. */
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
    const v = pyInt(token);
    if (Number.isNaN(v)) throw new ImageDecodeError(`P${kind}: the header's ${what} is not an integer: '${token}'`);
    return v;
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
  return { width, height, channels, data: decodePlain(b, pos, n, maxval, outMax, kind) };
}

const SAFEBLOCK = 1 << 20; // Pillow's ImageFile.SAFEBLOCK: the plain decoder reads the file in blocks of this size

/** Python's int() of an ASCII token (signs and underscores between digits allowed), or NaN. */
function pyInt(tok: string): number {
  return /^[+-]?\d+(?:_\d+)*$/.test(tok) ? Number(tok.replace(/_/g, '')) : NaN;
}

const isSpace = (c: number): boolean => WHITESPACE.has(c);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a); out.set(b, a.length);
  return out;
}

/**
 * Pillow's PpmPlainDecoder._decode_blocks, step by step: blocks of SAFEBLOCK bytes, comments cut out per block,
 * a token cut by a block's end carried to the next, and its quirk kept: once the data ends, the last carried
 * token repeats until the image is full (so "P2 3 3 255 7" with no final newline is nine 7s).
 */
function decodePlain(b: Uint8Array, start: number, n: number, maxval: number, outMax: number, kind: string): Uint8Array {
  let fpos = start;
  const readBlock = (): Uint8Array => {
    const blk = b.subarray(fpos, Math.min(b.length, fpos + SAFEBLOCK));
    fpos += blk.length;
    return blk;
  };
  const findCommentEnd = (block: Uint8Array, from = 0): number => {
    const a = block.indexOf(0x0a, from), c = block.indexOf(0x0d, from);
    return a * c > 0 ? Math.min(a, c) : Math.max(a, c);
  };
  let commentSpans = false;
  const ignoreComments = (block: Uint8Array): Uint8Array => {
    if (commentSpans) {
      while (block.length) {
        const end = findCommentEnd(block);
        if (end !== -1) { block = block.subarray(end + 1); break; }
        block = readBlock();
      }
    }
    commentSpans = false;
    for (;;) {
      const cs = block.indexOf(0x23);
      if (cs === -1) break;
      const ce = findCommentEnd(block, cs);
      if (ce !== -1) block = concat(block.subarray(0, cs), block.subarray(ce + 1));
      else { block = block.subarray(0, cs); commentSpans = true; break; }
    }
    return block;
  };
  const split = (block: Uint8Array): Uint8Array[] => {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < block.length) {
      while (i < block.length && isSpace(block[i]!)) i++;
      const s = i;
      while (i < block.length && !isSpace(block[i]!)) i++;
      if (i > s) out.push(block.subarray(s, i));
    }
    return out;
  };
  const wide = outMax === 65535;
  const out = new Uint8Array(n);
  let count = 0;
  let half: Uint8Array | null = null;
  const tooLong = (t: Uint8Array): never => {
    throw new ImageDecodeError(`P${kind}: token too long found in data: ${String.fromCharCode(...t.subarray(0, 11))}`);
  };
  let repeating = false;
  while (count !== n) {
    let block = readBlock();
    if (block.length === 0) {
      if (half !== null && half.length > 0) block = new Uint8Array([0x20]);
      else break;
      // from here on Pillow feeds the same last token again and again: after one round, fill in one step
      if (repeating) { out.fill(out[count - 1]!, count); count = n; break; }
      repeating = true;
    }
    block = ignoreComments(block);
    if (half !== null && half.length > 0) block = concat(half, block);
    const tokens = split(block);
    if (block.length && !isSpace(block[block.length - 1]!)) {
      half = tokens.pop()!;
      if (half.length > 10) tooLong(half);
    }
    for (const t of tokens) {
      if (t.length > 10) tooLong(t);
      const tok = String.fromCharCode(...t);
      const v = pyInt(tok);
      if (Number.isNaN(v)) throw new ImageDecodeError(`P${kind}: invalid literal for int() in the data: '${tok}'`);
      if (v > maxval) throw new ImageDecodeError(`P${kind}: channel value too large for this mode: ${v}`);
      const value = pyRound((v / maxval) * outMax);
      if (wide) {
        if (value < 0) throw new ImageDecodeError(`P${kind}: negative sample ${v}`);
        out[count++] = Math.min(255, value); // mode 'I', clipped by convert()
      } else {
        out[count++] = value & 255; // Pillow's o8 keeps the low byte
      }
      if (count === n) break;
    }
  }
  if (count < n) throw new TruncatedImageError(`not enough image data: ${count} of ${n} P${kind} samples`);
  return out;
}
