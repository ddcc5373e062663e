// PGM and PPM (Netpbm P2/P3/P5/P6) decoding in JavaScript: part of torchvision's IMG_EXTENSIONS that libvips,
// as sharp ships it, does not load.
import type { RawImage } from './sharp-ops.js';

export function isNetpbm(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x50 && (b[1] === 0x32 || b[1] === 0x33 || b[1] === 0x35 || b[1] === 0x36) && b.length > 2 && /\s/.test(String.fromCharCode(b[2]!));
}

export function decodeNetpbm(b: Uint8Array): RawImage {
  const kind = String.fromCharCode(b[1]!);
  let pos = 2;
  const token = (): number => {
    for (;;) {
      while (pos < b.length && /\s/.test(String.fromCharCode(b[pos]!))) pos++;
      if (b[pos] === 0x23) { while (pos < b.length && b[pos] !== 0x0a) pos++; continue; }
      break;
    }
    const start = pos;
    while (pos < b.length && b[pos]! >= 0x30 && b[pos]! <= 0x39) pos++;
    if (start === pos) throw new Error(`malformed P${kind} header at byte ${pos}`);
    return Number(new TextDecoder().decode(b.subarray(start, pos)));
  };
  const width = token(), height = token(), maxval = token();
  if (width <= 0 || height <= 0 || maxval <= 0 || maxval > 65535) throw new Error(`bad P${kind} header: ${width}x${height}, maxval ${maxval}`);
  const channels = kind === '3' || kind === '6' ? 3 : 1;
  const n = width * height * channels;
  const out = new Uint8Array(n);
  const scale = (v: number): number => (maxval === 255 ? v : Math.min(255, Math.round((v * 255) / maxval)));
  if (kind === '5' || kind === '6') {
    pos++; // the single whitespace after maxval
    const bytesPer = maxval > 255 ? 2 : 1;
    if (b.length - pos < n * bytesPer) throw new Error(`truncated P${kind} data: ${b.length - pos} bytes for ${n * bytesPer}`);
    for (let i = 0; i < n; i++) out[i] = scale(bytesPer === 1 ? b[pos + i]! : (b[pos + 2 * i]! << 8) | b[pos + 2 * i + 1]!);
  } else {
    for (let i = 0; i < n; i++) out[i] = scale(token());
  }
  return { width, height, channels, data: out };
}
