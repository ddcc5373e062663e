// The weights' preprocessing in the browser, equal to torchvision's ImageClassification preset on a PIL image
// (what tstorch computes in Node): Resize of the shorter side with Pillow's resampling (its 22-bit fixed-point
// separable filters, ported from libImaging/Resample.c as tstorch's pil-kernels.ts does), CenterCrop with
// Python's rounding, ToTensor and Normalize in float32. Input: RGBA bytes from a canvas; output: a
// Float32Array in CHW order.

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;

const FILTERS = {
  bilinear: { support: 1, fn: (x) => { if (x < 0) x = -x; return x < 1 ? 1 - x : 0; } },
  bicubic: {
    support: 2,
    fn: (x) => {
      const a = -0.5;
      if (x < 0) x = -x;
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
};

function coeffs(inSize, outSize, f) {
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = f.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
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
      const v = ww !== 0 ? k[x] / ww : k[x];
      kk[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

const clip8 = (s) => { const v = s >> PRECISION_BITS; return v < 0 ? 0 : v > 255 ? 255 : v; };

/** Pillow's ImagingResample on an RGB (3 bytes per pixel) image: horizontal pass, then vertical. */
export function resampleRGB(src, w, h, outW, outH, filter) {
  const f = FILTERS[filter];
  if (!f) throw new Error(`unsupported interpolation '${filter}' (bilinear or bicubic)`);
  const half = 1 << (PRECISION_BITS - 1);
  let cur = src, cw = w;
  if (outW !== w) {
    const c = coeffs(w, outW, f);
    const out = new Uint8Array(h * outW * 3);
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < outW; xx++) {
        const xmin = c.bounds[xx * 2], xmax = c.bounds[xx * 2 + 1];
        let s0 = half, s1 = half, s2 = half;
        for (let x = 0; x < xmax; x++) {
          const p = (y * w + xmin + x) * 3, k = c.kk[xx * c.ksize + x];
          s0 += cur[p] * k; s1 += cur[p + 1] * k; s2 += cur[p + 2] * k;
        }
        const o = (y * outW + xx) * 3;
        out[o] = clip8(s0); out[o + 1] = clip8(s1); out[o + 2] = clip8(s2);
      }
    }
    cur = out;
    cw = outW;
  }
  if (outH !== h) {
    const c = coeffs(h, outH, f);
    const rowLen = cw * 3;
    const out = new Uint8Array(outH * rowLen);
    for (let yy = 0; yy < outH; yy++) {
      const ymin = c.bounds[yy * 2], ymax = c.bounds[yy * 2 + 1];
      for (let x = 0; x < rowLen; x++) {
        let s = half;
        for (let y = 0; y < ymax; y++) s += cur[(ymin + y) * rowLen + x] * c.kk[yy * c.ksize + y];
        out[yy * rowLen + x] = clip8(s);
      }
    }
    cur = out;
  }
  return cur;
}

/** Python's round(): halves to even. */
function pyRound(v) {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * RGBA bytes (w x h) to the model's input: a Float32Array [3, crop, crop] (CHW), with the weights' transforms
 * { resizeSize: [n], cropSize: [n], mean, std, interpolation }.
 */
export function preprocess(rgba, w, h, t) {
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) { rgb[i * 3] = rgba[i * 4]; rgb[i * 3 + 1] = rgba[i * 4 + 1]; rgb[i * 3 + 2] = rgba[i * 4 + 2]; }
  // torchvision's Resize(size) of the shorter side: the longer one becomes int(size * long / short).
  const size = t.resizeSize[0];
  const [rw, rh] = w <= h ? [size, Math.trunc((size * h) / w)] : [Math.trunc((size * w) / h), size];
  const resized = resampleRGB(rgb, w, h, rw, rh, t.interpolation);
  const [ch, cw] = t.cropSize.length === 1 ? [t.cropSize[0], t.cropSize[0]] : t.cropSize;
  const top = pyRound((rh - ch) / 2), left = pyRound((rw - cw) / 2);
  // ToTensor then Normalize, each rounded to float32 as torch computes them.
  const out = new Float32Array(3 * ch * cw);
  for (let c = 0; c < 3; c++) {
    const table = new Float32Array(256);
    for (let b = 0; b < 256; b++) table[b] = Math.fround(Math.fround(Math.fround(b / 255) - Math.fround(t.mean[c])) / Math.fround(t.std[c]));
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) out[(c * ch + y) * cw + x] = table[resized[((top + y) * rw + left + x) * 3 + c]];
    }
  }
  return { data: out, dims: [1, 3, ch, cw] };
}
