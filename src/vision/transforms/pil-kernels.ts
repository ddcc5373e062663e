// Pillow's pixel kernels (libImaging's Resample.c and Geometry.c, Pillow 9.4) on 8-bit HWC images, ported
// so that torchvision's PIL pipelines give the same bytes in Node: resampling is PIL's separable
// convolution with 22-bit fixed-point weights (weights computed here, the multiply-accumulate loops in the
// addon, where they run at C speed as in Pillow), nearest-neighbour scaling and affine sampling keep PIL's
// accumulated coordinates and its 16.16 fixed-point path.
import { createImage, type RGBImage } from '../io/image.js';
import { native } from '../../native/binding.js';

/** PIL's filter ids, as torchvision's pil_modes_mapping uses them. */
export const PIL_NEAREST = 0, PIL_LANCZOS = 1, PIL_BILINEAR = 2, PIL_BICUBIC = 3, PIL_BOX = 4, PIL_HAMMING = 5;

interface Filter { fn: (x: number) => number; support: number }

const sinc = (x: number): number => {
  if (x === 0) return 1;
  x *= Math.PI;
  return Math.sin(x) / x;
};
const FILTERS: Record<number, Filter> = {
  [PIL_BOX]: { support: 0.5, fn: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  [PIL_BILINEAR]: { support: 1, fn: (x) => { if (x < 0) x = -x; return x < 1 ? 1 - x : 0; } },
  [PIL_HAMMING]: {
    support: 1,
    fn: (x) => {
      if (x < 0) x = -x;
      if (x === 0) return 1;
      if (x >= 1) return 0;
      x *= Math.PI;
      return (Math.sin(x) / x) * (0.54 + 0.46 * Math.cos(x));
    },
  },
  [PIL_BICUBIC]: {
    support: 2,
    fn: (x) => {
      const a = -0.5;
      if (x < 0) x = -x;
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  [PIL_LANCZOS]: { support: 3, fn: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;

interface Coeffs { ksize: number; bounds: Int32Array; kk: Int32Array }

/** precompute_coeffs + normalize_coeffs_8bpc: per output pixel, the first input pixel, the count and weights. */
function coeffs(inSize: number, in0: number, in1: number, outSize: number, f: Filter): Coeffs {
  const scale = (in1 - in0) / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = f.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = f.fn((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? k[x]! / ww : k[x]!;
      kk[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}


/** PIL's Image.resize((width, height), filter) for a non-nearest filter (ImagingResample). */
export function resampleImage(img: RGBImage, width: number, height: number, filter: number): RGBImage {
  const f = FILTERS[filter];
  if (f === undefined) throw new RangeError(`resample: unknown PIL filter ${filter}`);
  const C = img.channels;
  const needH = width !== img.width;
  const needV = height !== img.height;
  if (!needH && !needV) return createImage(img.width, img.height, C, img.data.slice());
  const h = coeffs(img.width, 0, img.width, width, f);
  const v = coeffs(img.height, 0, img.height, height, f);
  let src = img.data;
  let srcW = img.width;
  let srcH = img.height;
  let rowOffset = 0;
  if (needH) {
    // Only the rows the vertical pass will read.
    const first = v.bounds[0]!;
    const last = v.bounds[height * 2 - 2]! + v.bounds[height * 2 - 1]!;
    const rows = needV ? last - first : img.height;
    const y0 = needV ? first : 0;
    src = horizontal(src, srcW, C, y0, rows, width, h);
    srcW = width;
    srcH = rows;
    rowOffset = y0;
  }
  if (!needV) return createImage(width, srcH, C, src);
  return createImage(srcW, height, C, vertical(src, srcW * C, rowOffset, height, v));
}

/** ImagingResampleHorizontal_8bpc on rows y0..y0+rows of `src` (width srcW): native loops (addon.cc). */
function horizontal(src: Uint8Array, srcW: number, C: number, y0: number, rows: number, width: number, h: Coeffs): Uint8Array {
  const out = new Uint8Array(rows * width * C);
  native.resampleHorizontal(src, srcW, C, y0, rows, width, h.bounds, h.kk, h.ksize, out);
  return out;
}

/** ImagingResampleVertical_8bpc: `height` output rows of rowLen bytes; image row r is row r - rowOffset of `src`. */
function vertical(src: Uint8Array, rowLen: number, rowOffset: number, height: number, v: Coeffs): Uint8Array {
  const out = new Uint8Array(height * rowLen);
  native.resampleVertical(src, rowLen, rowOffset, height, v.bounds, v.kk, v.ksize, out);
  return out;
}

/** C's (int) cast of a coordinate as Geometry.c's COORD macro: -1 for anything negative. */
const coord = (v: number): number => (v < 0 ? -1 : Math.trunc(v));

/** PIL's Image.resize(size, NEAREST): ImagingScaleAffine with coordinates accumulated in doubles. */
export function resizeNearestImage(img: RGBImage, width: number, height: number): RGBImage {
  const C = img.channels;
  if (width === img.width && height === img.height) return createImage(width, height, C, img.data.slice());
  const a0 = img.width / width, a4 = img.height / height;
  const xintab = new Int32Array(width);
  let xo = a0 * 0.5;
  let xmin = width, xmax = 0;
  for (let x = 0; x < width; x++) {
    const xin = coord(xo);
    if (xin >= 0 && xin < img.width) { xmax = x + 1; if (x < xmin) xmin = x; xintab[x] = xin; }
    xo += a0;
  }
  const out = new Uint8Array(width * height * C);
  let yo = a4 * 0.5;
  for (let y = 0; y < height; y++) {
    const yi = coord(yo);
    if (yi >= 0 && yi < img.height) {
      for (let x = xmin; x < xmax; x++) {
        const s = (yi * img.width + xintab[x]!) * C, d = (y * width + x) * C;
        for (let c = 0; c < C; c++) out[d + c] = img.data[s + c]!;
      }
    }
    yo += a4;
  }
  return createImage(width, height, C, out);
}

/**
 * PIL's Image.transform(size, AFFINE, matrix, filter, fillcolor=fill): `matrix` maps output pixel
 * coordinates to input ones (a, b, c, d, e, f). Nearest uses PIL's 16.16 fixed-point loop when coordinates
 * fit, bilinear PIL's generic sampler (which truncates, not rounds).
 */
export function affineImage(img: RGBImage, width: number, height: number, m: readonly number[], filter: number, fill: Uint8Array): RGBImage {
  const C = img.channels;
  const out = new Uint8Array(width * height * C);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < C; c++) out[i * C + c] = fill[c]!;
  const [a0, a1, a2, a3, a4, a5] = m as [number, number, number, number, number, number];
  const W = img.width, H = img.height, src = img.data;
  const put = (x: number, y: number, xin: number, yin: number): void => {
    const s = (yin * W + xin) * C, d = (y * width + x) * C;
    for (let c = 0; c < C; c++) out[d + c] = src[s + c]!;
  };
  if (filter === PIL_NEAREST) {
    if (a1 === 0 && a3 === 0) {
      // ImagingScaleAffine
      const xintab = new Int32Array(width);
      let xo = a2 + a0 * 0.5;
      let xmin = width, xmax = 0;
      for (let x = 0; x < width; x++) {
        const xin = coord(xo);
        if (xin >= 0 && xin < W) { xmax = x + 1; if (x < xmin) xmin = x; xintab[x] = xin; }
        xo += a0;
      }
      let yo = a5 + a4 * 0.5;
      for (let y = 0; y < height; y++) {
        const yi = coord(yo);
        if (yi >= 0 && yi < H) for (let x = xmin; x < xmax; x++) put(x, y, xintab[x]!, yi);
        yo += a4;
      }
      return createImage(width, height, C, out);
    }
    const fits = (x: number, y: number): boolean => Math.abs(x * a0 + y * a1 + a2) < 32768 && Math.abs(x * a3 + y * a4 + a5) < 32768;
    if (fits(0, 0) && fits(width, height) && fits(0, height) && fits(width, 0)) {
      const fix = (v: number): number => Math.floor(v * 65536 + 0.5);
      const f0 = fix(a0), f1 = fix(a1), f3 = fix(a3), f4 = fix(a4);
      let f2 = fix(a2 + a0 * 0.5 + a1 * 0.5), f5 = fix(a5 + a3 * 0.5 + a4 * 0.5);
      for (let y = 0; y < height; y++) {
        let xx = f2, yy = f5;
        for (let x = 0; x < width; x++) {
          const xin = xx >> 16;
          if (xin >= 0 && xin < W) {
            const yin = yy >> 16;
            if (yin >= 0 && yin < H) put(x, y, xin, yin);
          }
          xx += f0;
          yy += f3;
        }
        f2 += f1;
        f5 += f4;
      }
      return createImage(width, height, C, out);
    }
    let xo = a2 + a1 * 0.5 + a0 * 0.5, yo = a5 + a4 * 0.5 + a3 * 0.5;
    for (let y = 0; y < height; y++) {
      let xx = xo, yy = yo;
      for (let x = 0; x < width; x++) {
        const xin = coord(xx);
        if (xin >= 0 && xin < W) {
          const yin = coord(yy);
          if (yin >= 0 && yin < H) put(x, y, xin, yin);
        }
        xx += a0;
        yy += a3;
      }
      xo += a1;
      yo += a4;
    }
    return createImage(width, height, C, out);
  }
  return genericTransform(img, width, height, (x, y) => [a0 * x + a1 * y + a2, a3 * x + a4 * y + a5], filter, fill, 'affine');
}

/**
 * ImagingGenericTransform: each output pixel centre (x + 0.5, y + 0.5) mapped by `map` into the input and
 * sampled there by PIL's nearest or bilinear filter (which truncates); misses keep the fill colour.
 */
export function genericTransform(img: RGBImage, width: number, height: number, map: (x: number, y: number) => [number, number],
  filter: number, fill: Uint8Array, what: string): RGBImage {
  if (filter !== PIL_NEAREST && filter !== PIL_BILINEAR) throw new RangeError(`${what}: PIL filter ${filter} is not supported here (nearest or bilinear)`);
  const C = img.channels;
  const W = img.width, H = img.height, src = img.data;
  const out = new Uint8Array(width * height * C);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < C; c++) out[i * C + c] = fill[c]!;
  const clipX = (x: number): number => (x < 0 ? 0 : x < W ? x : W - 1);
  const clipY = (y: number): number => (y < 0 ? 0 : y < H ? y : H - 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let [xin, yin] = map(x + 0.5, y + 0.5);
      const d = (y * width + x) * C;
      if (filter === PIL_NEAREST) {
        const xi = coord(xin), yi = coord(yin);
        if (xi < 0 || xi >= W || yi < 0 || yi >= H) continue;
        const s = (yi * W + xi) * C;
        for (let c = 0; c < C; c++) out[d + c] = src[s + c]!;
        continue;
      }
      if (xin < 0 || xin >= W || yin < 0 || yin >= H) continue;
      xin -= 0.5;
      yin -= 0.5;
      const fx = Math.floor(xin), fy = Math.floor(yin);
      const dx = xin - fx, dy = yin - fy;
      const x0 = clipX(fx) * C, x1 = clipX(fx + 1) * C;
      const r0 = clipY(fy) * W * C;
      const hasR1 = fy + 1 >= 0 && fy + 1 < H;
      const r1 = (fy + 1) * W * C;
      for (let c = 0; c < C; c++) {
        let v1 = src[r0 + x0 + c]! + (src[r0 + x1 + c]! - src[r0 + x0 + c]!) * dx;
        const v2 = hasR1 ? src[r1 + x0 + c]! + (src[r1 + x1 + c]! - src[r1 + x0 + c]!) * dx : v1;
        v1 = v1 + (v2 - v1) * dy;
        out[d + c] = Math.trunc(v1);
      }
    }
  }
  return createImage(width, height, C, out);
}

/** PIL's Image.transform(size, PERSPECTIVE, coeffs, filter, fillcolor=fill). */
export function perspectiveImage(img: RGBImage, coeffs: readonly number[], filter: number, fill: Uint8Array): RGBImage {
  const [a0, a1, a2, a3, a4, a5, a6, a7] = coeffs as [number, number, number, number, number, number, number, number];
  return genericTransform(img, img.width, img.height, (x, y) => {
    const den = a6 * x + a7 * y + 1;
    return [(a0 * x + a1 * y + a2) / den, (a3 * x + a4 * y + a5) / den];
  }, filter, fill, 'perspective');
}

/** PIL's Image.transpose(ROTATE_90 / ROTATE_180 / ROTATE_270): counter-clockwise quarter turns. */
export function rotateQuarterImage(img: RGBImage, quarters: 1 | 2 | 3): RGBImage {
  const { width: W, height: H, channels: C, data } = img;
  const w = quarters === 2 ? W : H, h = quarters === 2 ? H : W;
  const out = new Uint8Array(W * H * C);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sx: number, sy: number;
      if (quarters === 1) { sx = W - 1 - y; sy = x; } else if (quarters === 2) { sx = W - 1 - x; sy = H - 1 - y; } else { sx = y; sy = H - 1 - x; }
      const s = (sy * W + sx) * C, d = (y * w + x) * C;
      for (let c = 0; c < C; c++) out[d + c] = data[s + c]!;
    }
  }
  return createImage(w, h, C, out);
}
