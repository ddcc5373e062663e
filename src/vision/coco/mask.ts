// pycocotools.mask (the COCO API's maskApi.c): run-length encoded binary masks. A mask of height h and width w is
// read in column-major order (down each column, then the next column, as MATLAB and Fortran store it); `counts`
// alternates runs of 0s and 1s starting with 0s. Compressed RLEs carry the counts as pycocotools' string (LEB128-like,
// 6 bits per character, from the third count on relative to the count two before). Every function follows the C
// code step for step, including its integer arithmetic, so that areas, boxes and IoUs are the official ones.
import { Tensor } from '../../tensor.js';
import { fromTypedArray } from '../../creation.js';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(area, 'area', 'tstorch.vision.coco.mask.area', 'r:dict');
registerSignature(decode, 'decode', 'tstorch.vision.coco.mask.decode', 'r:dict');
registerSignature(encode, 'encode', 'tstorch.vision.coco.mask.encode', 'mask');
registerSignature(frPyObjects, 'frPyObjects', 'tstorch.vision.coco.mask.frPyObjects', 'obj:dict, h, w');
registerSignature(iou, 'iou', 'tstorch.vision.coco.mask.iou', 'dt, gt, iscrowd');
registerSignature(isRLE, 'isRLE', 'tstorch.vision.coco.mask.isRLE', 'x:dict');
registerSignature(merge, 'merge', 'tstorch.vision.coco.mask.merge', 'rles, intersect?');
registerSignature(toBbox, 'toBbox', 'tstorch.vision.coco.mask.toBbox', 'r:dict');

/** A compressed RLE, as pycocotools returns it ({'size': [h, w], 'counts': b'...'}; counts a string here). */
export interface RLE {
  size: [number, number];
  counts: string;
}

/** An uncompressed RLE, as COCO annotations of crowd regions hold it. */
export interface UncompressedRLE {
  size: [number, number];
  counts: number[];
}

/** A polygon: x1, y1, x2, y2, ... in pixel coordinates. */
export type Polygon = number[];
/** A box [x, y, width, height]. */
export type BBox = [number, number, number, number] | number[];

/** maskApi.c's RLE struct: h, w and the counts. */
class Runs {
  constructor(readonly h: number, readonly w: number, readonly cnts: Uint32Array) {}
  get m(): number { return this.cnts.length; }
}

const U32 = 2 ** 32;
const toUint = (x: number): number => ((x % U32) + U32) % U32;

/** rleToString: LEB128-like, 6 bits per character, characters 48-111. */
function runsToString(R: Runs): string {
  const out: number[] = [];
  for (let i = 0; i < R.m; i++) {
    let x = R.cnts[i]!;
    if (i > 2) x -= R.cnts[i - 2]!;
    let more = true;
    while (more) {
      let c = ((x % 32) + 32) % 32; // x & 0x1f of a two's-complement long
      x = Math.floor(x / 32); // x >>= 5, arithmetic
      more = (c & 0x10) ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out.push(c + 48);
    }
  }
  return String.fromCharCode(...out);
}

/** rleFrString. */
function runsFromString(s: string, h: number, w: number): Runs {
  const cnts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new RangeError('RLE counts string ends in the middle of a number');
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new RangeError(`RLE counts string has a character outside '0'..'o' at ${p}`);
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && (c & 0x10)) x -= 2 ** (5 * k);
    }
    if (cnts.length > 2) x += cnts[cnts.length - 2]!;
    cnts.push(toUint(x));
  }
  return new Runs(h, w, Uint32Array.from(cnts));
}

function checkSize(size: unknown, what: string): [number, number] {
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new TypeError(`${what}: size must be [height, width], got ${JSON.stringify(size)}`);
  }
  return [size[0], size[1]];
}

function runsOf(r: RLE | UncompressedRLE, what = 'RLE'): Runs {
  if (r === null || typeof r !== 'object' || !('counts' in r)) throw new TypeError(`${what}: expected an RLE {size, counts}`);
  const [h, w] = checkSize(r.size, what);
  const runs = typeof r.counts === 'string' ? runsFromString(r.counts, h, w) : new Runs(h, w, Uint32Array.from(r.counts.map(toUint)));
  let total = 0;
  for (const c of runs.cnts) total += c;
  if (runs.m > 0 && total !== h * w) throw new RangeError(`${what}: its counts add up to ${total} pixels, not ${h} x ${w} = ${h * w}`);
  return runs;
}

function compress(R: Runs): RLE {
  return { size: [R.h, R.w], counts: runsToString(R) };
}

/** rleEncode of one h x w mask given in row-major order (index y * w + x). */
function encodeRowMajor(data: ArrayLike<number | boolean>, h: number, w: number, offset = 0): Runs {
  const cnts: number[] = [];
  let p = 0;
  let c = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const v = data[offset + y * w + x] ? 1 : 0;
      if (v !== p) {
        cnts.push(c);
        c = 0;
        p = v;
      }
      c++;
    }
  }
  cnts.push(c);
  return new Runs(h, w, Uint32Array.from(cnts));
}

/**
 * Encodes binary masks: a [H, W] tensor gives one RLE, an [N, H, W] tensor one per mask (pycocotools takes
 * H x W x N Fortran arrays; tensors here are in torch's layout). Non-zero is 1.
 */
export function encode(mask: Tensor): RLE | RLE[] {
  [mask] = bindOwn(encode, arguments) as Parameters<typeof encode>;
  if (mask.ndim !== 2 && mask.ndim !== 3) throw new RangeError(`encode: masks must be [H, W] or [N, H, W], got [${mask.shape}]`);
  const data = mask.ne(0).to('uint8').contiguous().dataSync() as Uint8Array;
  if (mask.ndim === 2) return compress(encodeRowMajor(data, mask.shape[0]!, mask.shape[1]!));
  const [n, h, w] = [mask.shape[0]!, mask.shape[1]!, mask.shape[2]!];
  return Array.from({ length: n }, (_, i) => compress(encodeRowMajor(data, h, w, i * h * w)));
}

/** rleDecode: the mask as row-major bytes. */
function decodeRuns(R: Runs): Uint8Array {
  const out = new Uint8Array(R.h * R.w);
  let v = 0;
  let i = 0;
  for (let j = 0; j < R.m; j++) {
    for (let k = 0; k < R.cnts[j]!; k++) {
      const y = i % R.h;
      const x = (i - y) / R.h;
      out[y * R.w + x] = v;
      i++;
    }
    v = v ? 0 : 1;
  }
  return out;
}

/** Decodes an RLE to a uint8 [H, W] tensor, or a list of RLEs (of one size) to [N, H, W]. */
export function decode(rle: RLE | UncompressedRLE): Tensor;
export function decode(rles: readonly (RLE | UncompressedRLE)[]): Tensor;
export function decode(r: RLE | UncompressedRLE | readonly (RLE | UncompressedRLE)[]): Tensor {
  [r] = bindOwn(decode, arguments) as [typeof r];
  if (!Array.isArray(r)) {
    const R = runsOf(r as RLE, 'decode');
    return fromTypedArray(decodeRuns(R), [R.h, R.w], 'uint8');
  }
  const runs = (r as (RLE | UncompressedRLE)[]).map((x, i) => runsOf(x, `decode: RLE ${i}`));
  if (runs.length === 0) throw new RangeError('decode: no RLEs (the mask size is unknown)');
  const [h, w] = [runs[0]!.h, runs[0]!.w];
  const out = new Uint8Array(runs.length * h * w);
  runs.forEach((R, i) => {
    if (R.h !== h || R.w !== w) throw new RangeError(`decode: RLE ${i} is ${R.h} x ${R.w}, the first is ${h} x ${w}`);
    out.set(decodeRuns(R), i * h * w);
  });
  return fromTypedArray(out, [runs.length, h, w], 'uint8');
}

/** rleArea: the number of pixels set. */
function runsArea(R: Runs): number {
  let a = 0;
  for (let j = 1; j < R.m; j += 2) a += R.cnts[j]!;
  return a;
}

export function area(rle: RLE | UncompressedRLE): number;
export function area(rles: readonly (RLE | UncompressedRLE)[]): number[];
export function area(r: RLE | UncompressedRLE | readonly (RLE | UncompressedRLE)[]): number | number[] {
  [r] = bindOwn(area, arguments) as [typeof r];
  return Array.isArray(r) ? r.map((x) => runsArea(runsOf(x, 'area'))) : runsArea(runsOf(r as RLE, 'area'));
}

/** rleToBbox: [x, y, w, h] of the pixels set (0s for an empty mask). */
function runsToBbox(R: Runs): [number, number, number, number] {
  const h = R.h;
  const w = R.w;
  const m = Math.floor(R.m / 2) * 2;
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  if (m === 0) return [0, 0, 0, 0];
  for (let j = 0; j < m; j++) {
    cc += R.cnts[j]!;
    const t = cc - (j % 2);
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

export function toBbox(rle: RLE | UncompressedRLE): [number, number, number, number];
export function toBbox(rles: readonly (RLE | UncompressedRLE)[]): [number, number, number, number][];
export function toBbox(r: RLE | UncompressedRLE | readonly (RLE | UncompressedRLE)[]): [number, number, number, number] | [number, number, number, number][] {
  [r] = bindOwn(toBbox, arguments) as [typeof r];
  return Array.isArray(r) ? r.map((x) => runsToBbox(runsOf(x, 'toBbox'))) : runsToBbox(runsOf(r as RLE, 'toBbox'));
}

/** rleMerge: union (or intersection) of masks of one size; masks of different sizes merge to an empty 0 x 0 RLE. */
function mergeRuns(R: readonly Runs[], intersect: boolean): Runs {
  const n = R.length;
  if (n === 0) return new Runs(0, 0, new Uint32Array(0));
  if (n === 1) return new Runs(R[0]!.h, R[0]!.w, R[0]!.cnts.slice());
  let h = R[0]!.h;
  let w = R[0]!.w;
  let cnts: number[] = Array.from(R[0]!.cnts);
  for (let i = 1; i < n; i++) {
    const B = R[i]!;
    if (B.h !== h || B.w !== w) {
      h = w = 0;
      cnts = [];
      break;
    }
    const A = cnts;
    const next: number[] = [];
    let ca = A[0]!;
    let cb = B.cnts[0]!;
    let v = 0;
    let va = 0;
    let vb = 0;
    let a = 1;
    let b = 1;
    let cc = 0;
    let ct = 1;
    while (ct > 0) {
      const c = Math.min(ca, cb);
      cc += c;
      ct = 0;
      ca -= c;
      if (!ca && a < A.length) {
        ca = A[a++]!;
        va = va ? 0 : 1;
      }
      ct += ca;
      cb -= c;
      if (!cb && b < B.m) {
        cb = B.cnts[b++]!;
        vb = vb ? 0 : 1;
      }
      ct += cb;
      const vp = v;
      v = intersect ? (va && vb ? 1 : 0) : (va || vb ? 1 : 0);
      if (v !== vp || ct === 0) {
        next.push(cc);
        cc = 0;
      }
    }
    cnts = next;
  }
  return new Runs(h, w, Uint32Array.from(cnts));
}

/** The union of masks (intersection with `intersect`), as one RLE. */
export function merge(rles: readonly (RLE | UncompressedRLE)[], intersect = false): RLE {
  [rles, intersect = false] = bindOwn(merge, arguments) as Parameters<typeof merge>;
  return compress(mergeRuns(rles.map((r, i) => runsOf(r, `merge: RLE ${i}`)), intersect));
}

/** bbIou: IoU of [x, y, w, h] boxes; for a crowd ground truth the union is the detection's area. o[d][g]. */
function bboxIou(dt: readonly BBox[], gt: readonly BBox[], iscrowd: readonly (boolean | number)[]): number[][] {
  const o = dt.map(() => new Array<number>(gt.length).fill(0));
  gt.forEach((G, g) => {
    const ga = G[2]! * G[3]!;
    const crowd = Boolean(iscrowd[g]);
    dt.forEach((D, d) => {
      const da = D[2]! * D[3]!;
      o[d]![g] = 0;
      const w = Math.min(D[2]! + D[0]!, G[2]! + G[0]!) - Math.max(D[0]!, G[0]!);
      if (w <= 0) return;
      const h = Math.min(D[3]! + D[1]!, G[3]! + G[1]!) - Math.max(D[1]!, G[1]!);
      if (h <= 0) return;
      const i = w * h;
      const u = crowd ? da : da + ga - i;
      o[d]![g] = i / u;
    });
  });
  return o;
}

/** rleIou: box IoU first; where boxes overlap, the exact mask IoU (-1 for masks of different sizes). */
function runsIou(dt: readonly Runs[], gt: readonly Runs[], iscrowd: readonly (boolean | number)[]): number[][] {
  const o = bboxIou(dt.map(runsToBbox), gt.map(runsToBbox), iscrowd);
  gt.forEach((G, g) => {
    dt.forEach((D, d) => {
      if (!(o[d]![g]! > 0)) return;
      const crowd = Boolean(iscrowd[g]);
      if (D.h !== G.h || D.w !== G.w) {
        o[d]![g] = -1;
        return;
      }
      let ca = D.cnts[0]!;
      const ka = D.m;
      let va = 0;
      let vb = 0;
      let cb = G.cnts[0]!;
      const kb = G.m;
      let a = 1;
      let b = 1;
      let i = 0;
      let u = 0;
      let ct = 1;
      while (ct > 0) {
        const c = Math.min(ca, cb);
        if (va || vb) {
          u += c;
          if (va && vb) i += c;
        }
        ct = 0;
        ca -= c;
        if (!ca && a < ka) {
          ca = D.cnts[a++]!;
          va = va ? 0 : 1;
        }
        ct += ca;
        cb -= c;
        if (!cb && b < kb) {
          cb = G.cnts[b++]!;
          vb = vb ? 0 : 1;
        }
        ct += cb;
      }
      if (i === 0) u = 1;
      else if (crowd) u = runsArea(D);
      o[d]![g] = i / u;
    });
  });
  return o;
}

function isBoxList(x: readonly unknown[]): x is BBox[] {
  return x.every((b) => Array.isArray(b) && b.length === 4 && b.every((v) => typeof v === 'number'));
}

/**
 * IoU of every detection with every ground truth: `result[d][g]`. Both lists are RLEs or both [x, y, w, h] boxes;
 * a crowd ground truth (iscrowd[g]) counts the intersection over the detection's own area. Empty if either is.
 */
export function iou(dt: readonly (RLE | UncompressedRLE)[] | readonly BBox[], gt: readonly (RLE | UncompressedRLE)[] | readonly BBox[],
  iscrowd: readonly (boolean | number)[]): number[][] {
  [dt, gt, iscrowd] = bindOwn(iou, arguments) as Parameters<typeof iou>;
  if (dt.length === 0 || gt.length === 0) return [];
  if (iscrowd.length !== gt.length) throw new RangeError(`iou: iscrowd has ${iscrowd.length} entries for ${gt.length} ground truths`);
  const dtBoxes = isBoxList(dt);
  const gtBoxes = isBoxList(gt);
  if (dtBoxes !== gtBoxes) throw new TypeError('iou: the dt and gt should have the same data type, either RLEs or boxes');
  if (dtBoxes) return bboxIou(dt as BBox[], gt as BBox[], iscrowd);
  return runsIou((dt as RLE[]).map((r, i) => runsOf(r, `iou: dt ${i}`)), (gt as RLE[]).map((r, i) => runsOf(r, `iou: gt ${i}`)), iscrowd);
}

/** rleFrPoly: the pixels whose centres a polygon covers, by maskApi's upsampled boundary walk. */
function runsFromPoly(xy: readonly number[], h: number, w: number): Runs {
  const k = Math.floor(xy.length / 2);
  const scale = 5;
  const x: number[] = new Array(k + 1);
  const y: number[] = new Array(k + 1);
  for (let j = 0; j < k; j++) x[j] = Math.trunc(scale * xy[j * 2]! + 0.5);
  x[k] = x[0]!;
  for (let j = 0; j < k; j++) y[j] = Math.trunc(scale * xy[j * 2 + 1]! + 0.5);
  y[k] = y[0]!;
  const u: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < k; j++) {
    let xs = x[j]!;
    let xe = x[j + 1]!;
    let ys = y[j]!;
    let ye = y[j + 1]!;
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(Math.trunc(ys + s * t + 0.5));
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(Math.trunc(xs + s * t + 0.5));
      }
    }
  }
  // Points along the y-boundary, downsampled.
  const px: number[] = [];
  const py: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = v[j]! < v[j - 1]! ? v[j]! : v[j - 1]!;
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    px.push(Math.trunc(xd));
    py.push(Math.trunc(yd));
  }
  // The RLE of the y-boundary points.
  const a: number[] = px.map((xv, j) => toUint(xv * h + py[j]!));
  a.push(toUint(h * w));
  a.sort((p, q) => p - q);
  let prev = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j]!;
    a[j] = t - prev;
    prev = t;
  }
  const b: number[] = [];
  let j = 0;
  b.push(a[j++]!);
  while (j < a.length) {
    if (a[j]! > 0) b.push(a[j++]!);
    else {
      j++;
      if (j < a.length) b[b.length - 1] += a[j++]!;
    }
  }
  return new Runs(h, w, Uint32Array.from(b));
}

/** rleFrBbox: a box [x, y, w, h] as the polygon of its corners. */
function runsFromBbox(bb: BBox, h: number, w: number): Runs {
  const xs = bb[0]!;
  const xe = xs + bb[2]!;
  const ys = bb[1]!;
  const ye = ys + bb[3]!;
  return runsFromPoly([xs, ys, xs, ye, xe, ye, xe, ys], h, w);
}

export type PyObject = Polygon | Polygon[] | BBox[] | UncompressedRLE | UncompressedRLE[];

/**
 * pycocotools' frPyObjects: polygons (a list of [x1, y1, ...]), boxes (a list of [x, y, w, h]) or uncompressed RLEs
 * to compressed RLEs of an h x w image; a single polygon, box or uncompressed RLE gives one RLE. As in pycocotools,
 * a list whose first entry has 4 numbers is taken for boxes, more for polygons.
 */
export function frPyObjects(obj: PyObject, h: number, w: number): RLE | RLE[] {
  [obj, h, w] = bindOwn(frPyObjects, arguments) as Parameters<typeof frPyObjects>;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 0 || w < 0) throw new TypeError(`frPyObjects: h and w must be non-negative integers, got ${h}, ${w}`);
  const isRle = (o: unknown): o is UncompressedRLE => o !== null && typeof o === 'object' && !Array.isArray(o) && 'counts' in o && 'size' in o;
  if (isRle(obj)) return compress(runsOf(obj, 'frPyObjects'));
  if (!Array.isArray(obj) || obj.length === 0) throw new TypeError('frPyObjects: input type is not supported (polygons, boxes or uncompressed RLEs)');
  const first = obj[0];
  if (Array.isArray(first)) {
    const list = obj as number[][];
    if (first.length === 4) return list.map((b) => compress(runsFromBbox(b, h, w)));
    return list.map((p, i) => {
      if (p.length < 6 || p.length % 2 !== 0) throw new RangeError(`frPyObjects: polygon ${i} has ${p.length} coordinates; a polygon needs pairs, at least 3`);
      return compress(runsFromPoly(p, h, w));
    });
  }
  if (isRle(first)) return (obj as UncompressedRLE[]).map((r, i) => compress(runsOf(r, `frPyObjects: RLE ${i}`)));
  const flat = obj as number[];
  if (flat.length === 4) return compress(runsFromBbox(flat, h, w));
  if (flat.length > 4) return compress(runsFromPoly(flat, h, w));
  throw new TypeError('frPyObjects: input type is not supported (polygons, boxes or uncompressed RLEs)');
}

/** Whether a value is a compressed or uncompressed RLE. */
export function isRLE(x: unknown): x is RLE | UncompressedRLE {
  [x] = bindOwn(isRLE, arguments) as Parameters<typeof isRLE>;
  return x !== null && typeof x === 'object' && !Array.isArray(x) && 'counts' in x && 'size' in x;
}
