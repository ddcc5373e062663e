// pycocotools.cocoeval.COCOeval: the official COCO evaluation of boxes ('bbox'), masks ('segm') and keypoints
// ('keypoints'), ported rule for rule. The rules, where each lives below:
//   - Detections per image and category are taken by decreasing score (stable: ties keep their order), at most
//     maxDets[-1] of them (computeIoU / computeOks, evaluateImg).
//   - A ground truth is ignored when iscrowd is set (whatever its 'ignore' field says), for keypoints also when it
//     has no labelled keypoint, and per area range when its area falls outside (prepare, evaluateImg).
//   - Matching at each IoU threshold t (evaluateImg): each detection, best score first, takes the not-yet-matched
//     ground truth of highest IoU >= min(t, 1 - 1e-10); crowd ground truths may match any number of detections;
//     non-ignored ground truths come first, and once a detection has matched a regular one it stops at the first
//     ignored one. A detection matched to an ignored ground truth is ignored; an unmatched detection outside the
//     area range is ignored.
//   - IoU of a detection with a crowd region divides the intersection by the detection's own area (mask.iou).
//   - Keypoint similarity (computeOks): exp(-d^2 / (2 s^2 (area + eps) (2 sigma)^2)) averaged over the labelled
//     keypoints; a ground truth with none measures the distance to twice its box.
//   - Precision/recall (accumulate): detections of all images of a category and area range sorted by score
//     (stable), cumulative true and false positives, precision made monotone from the right, then read at the 101
//     recall thresholds 0:0.01:1 (the first detection whose recall reaches each threshold; 0 past the last);
//     recall is the final one; -1 where a category has no ground truth in the range.
//   - Summaries (summarize): the mean over categories (and thresholds) of the entries that are not -1.
import { COCO, type CocoAnnotation, type CocoCategory } from './coco.js';
import * as mask from './mask.js';
import type { BBox, RLE } from './mask.js';
import { bindOwn, classArgs } from '../../args.js';

export type IouType = 'bbox' | 'segm' | 'keypoints';

/** numpy.linspace(start, stop, num), element for element. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const y = Array.from({ length: num }, (_, i) => i * step + start);
  y[num - 1] = stop;
  return y;
}

const EPS = 2.220446049250313e-16; // np.spacing(1)

/** COCO's 17 person keypoint sigmas (keypoints evaluation). */
export const KPT_OKS_SIGMAS: readonly number[] = [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89].map((s) => s / 10.0);

/** The evaluation parameters (pycocotools' Params), with its defaults for the IoU type. */
export class Params {
  imgIds: number[] = [];
  catIds: number[] = [];
  iouThrs: number[];
  recThrs: number[];
  maxDets: number[];
  areaRng: [number, number][];
  areaRngLbl: string[];
  useCats = 1;
  kptOksSigmas: number[];
  iouType: IouType;

  constructor(iouType: IouType = 'segm') {
    [iouType = 'segm'] = bindOwn(Params, arguments) as ConstructorParameters<typeof Params>;
    if (iouType !== 'segm' && iouType !== 'bbox' && iouType !== 'keypoints') throw new TypeError(`Params: iouType must be 'bbox', 'segm' or 'keypoints', got '${iouType}'`);
    this.iouType = iouType;
    // np.arange would make the thresholds slightly larger than their values: linspace, as pycocotools.
    this.iouThrs = linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1);
    this.recThrs = linspace(0.0, 1.0, Math.round((1.0 - 0.0) / 0.01) + 1);
    if (iouType === 'keypoints') {
      this.maxDets = [20];
      this.areaRng = [[0 ** 2, 1e5 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]];
      this.areaRngLbl = ['all', 'medium', 'large'];
    } else {
      this.maxDets = [1, 10, 100];
      this.areaRng = [[0 ** 2, 1e5 ** 2], [0 ** 2, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]];
      this.areaRngLbl = ['all', 'small', 'medium', 'large'];
    }
    this.kptOksSigmas = [...KPT_OKS_SIGMAS];
  }

  clone(): Params {
    const p = new Params(this.iouType);
    Object.assign(p, structuredClone({ ...this }));
    return p;
  }
}
classArgs(Params, 'tstorch.vision.coco.Params', 'iouType?');

/** The result of evaluateImg for one image, category and area range. */
export interface EvalImg {
  image_id: number;
  category_id: number;
  aRng: [number, number];
  maxDet: number;
  dtIds: number[];
  gtIds: number[];
  /** [T][D]: the id of the matched ground truth, or 0. */
  dtMatches: number[][];
  /** [T][G]: the id of the matched detection, or 0. */
  gtMatches: number[][];
  dtScores: number[];
  gtIgnore: number[];
  /** [T][D]. */
  dtIgnore: boolean[][];
}

/** An annotation as the evaluation sees it: its segmentation an RLE (segm), and its ignore flags. */
type EvalAnn = CocoAnnotation & { ignore: boolean; _ignore?: number; rle?: RLE };

/** A dense array of shape `shape` filled with -1, indexed as the numpy arrays of pycocotools. */
export class NdArray {
  readonly data: Float64Array;
  readonly strides: number[];
  readonly shape: number[];
  constructor(shape: number[]) {
    [shape] = bindOwn(NdArray, arguments) as ConstructorParameters<typeof NdArray>;
    this.shape = shape;
    this.data = new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(-1);
    this.strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  }
  private offset(idx: number[]): number { return idx.reduce((o, v, i) => o + v * this.strides[i]!, 0); }
  get(...idx: number[]): number { return this.data[this.offset(idx)]!; }
  set(v: number, ...idx: number[]): void { this.data[this.offset(idx)] = v; }
}
classArgs(NdArray, 'tstorch.vision.coco.NdArray', 'shape');

/** Stable argsort by key (numpy's mergesort). */
function argsortStable(keys: readonly number[]): number[] {
  return keys.map((k, i) => [k, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1])).map(([, i]) => i);
}

/** numpy.searchsorted(a, v, side='left') for sorted a. */
function searchsortedLeft(a: readonly number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const key = (imgId: number, catId: number): string => `${imgId},${catId}`;

export interface Accumulated {
  params: Params;
  /** [T, R, K, A, M]. */
  counts: [number, number, number, number, number];
  /** [T, R, K, A, M]: -1 where a category has no ground truth. */
  precision: NdArray;
  /** [T, K, A, M]. */
  recall: NdArray;
  /** [T, R, K, A, M]: the score at each recall threshold. */
  scores: NdArray;
}

export interface COCOevalOptions {
  /** Print progress and the summary lines as pycocotools does. Default true. */
  verbose?: boolean;
}

/** COCOeval(cocoGt, cocoDt, iouType): evaluate(), accumulate(), summarize(); the 12 (or 10) numbers in `stats`. */
export class COCOeval {
  params: Params;
  evalImgs: (EvalImg | null)[] = [];
  eval: Accumulated | null = null;
  stats: number[] = [];
  ious = new Map<string, number[][]>();
  private gts = new Map<string, EvalAnn[]>();
  private dts = new Map<string, EvalAnn[]>();
  private paramsEval: Params | null = null;
  private readonly verbose: boolean;
  /** The summary lines printed by the last summarize(). */
  summaryLines: string[] = [];

  readonly cocoGt: COCO;
  readonly cocoDt: COCO;
  constructor(cocoGt: COCO, cocoDt: COCO, iouType: IouType = 'segm', opts: COCOevalOptions = {}) {
    [cocoGt, cocoDt, iouType = 'segm', opts = {}] = bindOwn(COCOeval, arguments) as ConstructorParameters<typeof COCOeval>;
    this.cocoGt = cocoGt;
    this.cocoDt = cocoDt;
    this.params = new Params(iouType);
    this.verbose = opts.verbose ?? true;
    this.params.imgIds = [...cocoGt.getImgIds()].sort((a, b) => a - b);
    this.params.catIds = [...cocoGt.getCatIds()].sort((a, b) => a - b);
  }

  private log(s: string): void {
    if (this.verbose) console.log(s);
  }

  private prepare(): void {
    const p = this.params;
    const sel = p.useCats ? { imgIds: p.imgIds, catIds: p.catIds } : { imgIds: p.imgIds };
    // Copies: pycocotools writes 'ignore' and the RLE into the annotations; the user's sets stay as they are.
    const gts: EvalAnn[] = this.cocoGt.loadAnns(this.cocoGt.getAnnIds(sel)).map((a) => ({ ...a, ignore: false }));
    const dts: EvalAnn[] = this.cocoDt.loadAnns(this.cocoDt.getAnnIds(sel)).map((a) => ({ ...a, ignore: false }));
    if (p.iouType === 'segm') {
      for (const a of gts) a.rle = this.cocoGt.annToRLE(a);
      for (const a of dts) a.rle = this.cocoDt.annToRLE(a);
    }
    for (const gt of gts) {
      // pycocotools sets 'ignore' from iscrowd alone (an 'ignore' field in the file is overwritten).
      gt.ignore = Boolean(gt.iscrowd);
      if (p.iouType === 'keypoints') gt.ignore = gt.num_keypoints === 0 || gt.ignore;
    }
    this.gts = new Map();
    this.dts = new Map();
    for (const gt of gts) {
      const k = key(gt.image_id, gt.category_id);
      if (!this.gts.has(k)) this.gts.set(k, []);
      this.gts.get(k)!.push(gt);
    }
    for (const dt of dts) {
      const k = key(dt.image_id, dt.category_id);
      if (!this.dts.has(k)) this.dts.set(k, []);
      this.dts.get(k)!.push(dt);
    }
    this.evalImgs = [];
    this.eval = null;
  }

  private gtDt(imgId: number, catId: number): [EvalAnn[], EvalAnn[]] {
    const p = this.params;
    if (p.useCats) return [this.gts.get(key(imgId, catId)) ?? [], this.dts.get(key(imgId, catId)) ?? []];
    return [p.catIds.flatMap((c) => this.gts.get(key(imgId, c)) ?? []), p.catIds.flatMap((c) => this.dts.get(key(imgId, c)) ?? [])];
  }

  /** Runs the per-image evaluation of every image, category and area range (evalImgs). */
  evaluate(): void {
    const t0 = performance.now();
    this.log('Running per image evaluation...');
    const p = this.params;
    this.log(`Evaluate annotation type *${p.iouType}*`);
    p.imgIds = [...new Set(p.imgIds)].sort((a, b) => a - b);
    if (p.useCats) p.catIds = [...new Set(p.catIds)].sort((a, b) => a - b);
    p.maxDets = [...p.maxDets].sort((a, b) => a - b);
    this.prepare();
    const catIds = p.useCats ? p.catIds : [-1];
    const computeIoU = p.iouType === 'keypoints' ? this.computeOks.bind(this) : this.computeIoU.bind(this);
    this.ious = new Map();
    for (const imgId of p.imgIds) for (const catId of catIds) this.ious.set(key(imgId, catId), computeIoU(imgId, catId));
    const maxDet = p.maxDets[p.maxDets.length - 1]!;
    this.evalImgs = [];
    for (const catId of catIds) {
      for (const areaRng of p.areaRng) {
        for (const imgId of p.imgIds) this.evalImgs.push(this.evaluateImg(imgId, catId, areaRng, maxDet));
      }
    }
    this.paramsEval = p.clone();
    this.log(`DONE (t=${((performance.now() - t0) / 1000).toFixed(2)}s).`);
  }

  /** IoU of every detection (top maxDets[-1] by score) with every ground truth of an image and category: [D][G]. */
  computeIoU(imgId: number, catId: number): number[][] {
    const p = this.params;
    const [gt, dt0] = this.gtDt(imgId, catId);
    if (gt.length === 0 && dt0.length === 0) return [];
    let dt = argsortStable(dt0.map((d) => -d.score!)).map((i) => dt0[i]!);
    if (dt.length > p.maxDets[p.maxDets.length - 1]!) dt = dt.slice(0, p.maxDets[p.maxDets.length - 1]!);
    const iscrowd = gt.map((o) => (o.iscrowd ? 1 : 0));
    if (p.iouType === 'segm') return mask.iou(dt.map((d) => d.rle!), gt.map((g) => g.rle!), iscrowd);
    if (p.iouType === 'bbox') return mask.iou(dt.map((d) => d.bbox as BBox), gt.map((g) => g.bbox as BBox), iscrowd);
    throw new TypeError('unknown iouType for iou computation');
  }

  /** Object keypoint similarity of every detection with every ground truth: [D][G]. */
  computeOks(imgId: number, catId: number): number[][] {
    const p = this.params;
    const gts = this.gts.get(key(imgId, catId)) ?? [];
    const dts0 = this.dts.get(key(imgId, catId)) ?? [];
    let dts = argsortStable(dts0.map((d) => -d.score!)).map((i) => dts0[i]!);
    if (dts.length > p.maxDets[p.maxDets.length - 1]!) dts = dts.slice(0, p.maxDets[p.maxDets.length - 1]!);
    if (gts.length === 0 || dts.length === 0) return [];
    const sigmas = p.kptOksSigmas;
    const vars = sigmas.map((s) => (s * 2) ** 2);
    const k = sigmas.length;
    const ious = dts.map(() => new Array<number>(gts.length).fill(0));
    gts.forEach((gt, j) => {
      const g = gt.keypoints ?? [];
      if (g.length !== 3 * k) throw new RangeError(`computeOks: ground truth ${gt.id} has ${g.length / 3} keypoints, the sigmas ${k}`);
      const xg = g.filter((_, i) => i % 3 === 0);
      const yg = g.filter((_, i) => i % 3 === 1);
      const vg = g.filter((_, i) => i % 3 === 2);
      const k1 = vg.filter((v) => v > 0).length;
      const bb = gt.bbox;
      const x0 = bb[0]! - bb[2]!;
      const x1 = bb[0]! + bb[2]! * 2;
      const y0 = bb[1]! - bb[3]!;
      const y1 = bb[1]! + bb[3]! * 2;
      dts.forEach((dt, i) => {
        const d = dt.keypoints ?? [];
        if (d.length !== 3 * k) throw new RangeError(`computeOks: detection of image ${imgId} has ${d.length / 3} keypoints, the sigmas ${k}`);
        const xd = d.filter((_, q) => q % 3 === 0);
        const yd = d.filter((_, q) => q % 3 === 1);
        let e: number[] = [];
        for (let q = 0; q < k; q++) {
          let dx: number;
          let dy: number;
          if (k1 > 0) {
            // The distance of each keypoint, where the ground truth's are labelled.
            dx = xd[q]! - xg[q]!;
            dy = yd[q]! - yg[q]!;
          } else {
            // The distance to the box twice the ground truth's, around it.
            dx = Math.max(0, x0 - xd[q]!) + Math.max(0, xd[q]! - x1);
            dy = Math.max(0, y0 - yd[q]!) + Math.max(0, yd[q]! - y1);
          }
          e.push((dx ** 2 + dy ** 2) / vars[q]! / (gt.area + EPS) / 2);
        }
        if (k1 > 0) e = e.filter((_, q) => vg[q]! > 0);
        // np.sum of the exponentials: pairwise summation, which for fewer than 9 terms is a plain loop.
        ious[i]![j] = npSum(e.map((v) => Math.exp(-v))) / e.length;
      });
    });
    return ious;
  }

  /** Matches the detections of one image and category to its ground truths at every IoU threshold. */
  evaluateImg(imgId: number, catId: number, aRng: [number, number], maxDet: number): EvalImg | null {
    const p = this.params;
    const [gt0, dt0] = this.gtDt(imgId, catId);
    if (gt0.length === 0 && dt0.length === 0) return null;
    for (const g of gt0) g._ignore = g.ignore || g.area < aRng[0] || g.area > aRng[1] ? 1 : 0;
    // Highest score first; ignored ground truths last.
    const gtind = argsortStable(gt0.map((g) => g._ignore!));
    const gt = gtind.map((i) => gt0[i]!);
    const dt = argsortStable(dt0.map((d) => -d.score!)).slice(0, maxDet).map((i) => dt0[i]!);
    const iscrowd = gt.map((o) => Boolean(o.iscrowd));
    const allIous = this.ious.get(key(imgId, catId)) ?? [];
    const ious = allIous.length > 0 ? allIous.map((row) => gtind.map((g) => row[g]!)) : allIous;
    const T = p.iouThrs.length;
    const G = gt.length;
    const D = dt.length;
    const gtm = Array.from({ length: T }, () => new Array<number>(G).fill(0));
    const dtm = Array.from({ length: T }, () => new Array<number>(D).fill(0));
    const gtIg = gt.map((g) => g._ignore!);
    const dtIg = Array.from({ length: T }, () => new Array<boolean>(D).fill(false));
    if (ious.length !== 0) {
      p.iouThrs.forEach((t, tind) => {
        dt.forEach((d, dind) => {
          // The best match so far (m = -1: unmatched).
          let iou = Math.min(t, 1 - 1e-10);
          let m = -1;
          for (let gind = 0; gind < G; gind++) {
            // A ground truth already matched, and not a crowd, is taken.
            if (gtm[tind]![gind]! > 0 && !iscrowd[gind]) continue;
            // Matched to a regular ground truth and reaching the ignored ones: stop.
            if (m > -1 && gtIg[m] === 0 && gtIg[gind] === 1) break;
            // Only a better match replaces the one so far.
            if (ious[dind]![gind]! < iou) continue;
            iou = ious[dind]![gind]!;
            m = gind;
          }
          if (m === -1) return;
          dtIg[tind]![dind] = gtIg[m] === 1;
          dtm[tind]![dind] = gt[m]!.id;
          gtm[tind]![m] = d.id;
        });
      });
    }
    // Unmatched detections outside the area range are ignored.
    const outside = dt.map((d) => d.area < aRng[0] || d.area > aRng[1]);
    for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) dtIg[t]![d] = dtIg[t]![d]! || (dtm[t]![d] === 0 && outside[d]!);
    return {
      image_id: imgId, category_id: catId, aRng, maxDet, dtIds: dt.map((d) => d.id), gtIds: gt.map((g) => g.id),
      dtMatches: dtm, gtMatches: gtm, dtScores: dt.map((d) => d.score!), gtIgnore: gtIg, dtIgnore: dtIg,
    };
  }

  /** Precision at the recall thresholds and recall, per IoU threshold, category, area range and maxDets. */
  accumulate(p?: Params): void {
    const t0 = performance.now();
    this.log('Accumulating evaluation results...');
    if (this.evalImgs.length === 0 || this.paramsEval === null) throw new Error('COCOeval: run evaluate() first');
    p ??= this.params;
    p.catIds = p.useCats === 1 ? p.catIds : [-1];
    const T = p.iouThrs.length;
    const R = p.recThrs.length;
    const K = p.useCats ? p.catIds.length : 1;
    const A = p.areaRng.length;
    const M = p.maxDets.length;
    const precision = new NdArray([T, R, K, A, M]);
    const recall = new NdArray([T, K, A, M]);
    const scores = new NdArray([T, R, K, A, M]);
    const pe = this.paramsEval;
    const catIds = pe.useCats ? pe.catIds : [-1];
    const setK = new Set(catIds);
    const setA = new Set(pe.areaRng.map((a) => a.join(',')));
    const setM = new Set(pe.maxDets);
    const setI = new Set(pe.imgIds);
    const kList = p.catIds.map((k, n) => (setK.has(k) ? n : -1)).filter((n) => n >= 0);
    const mList = p.maxDets.filter((m) => setM.has(m));
    const aList = p.areaRng.map((a, n) => (setA.has(a.join(',')) ? n : -1)).filter((n) => n >= 0);
    const iList = p.imgIds.map((i, n) => (setI.has(i) ? n : -1)).filter((n) => n >= 0);
    const I0 = pe.imgIds.length;
    const A0 = pe.areaRng.length;
    kList.forEach((k0, k) => {
      const Nk = k0 * A0 * I0;
      aList.forEach((a0, a) => {
        const Na = a0 * I0;
        mList.forEach((maxDet, m) => {
          const E = iList.map((i) => this.evalImgs[Nk + Na + i]).filter((e): e is EvalImg => e !== null && e !== undefined);
          if (E.length === 0) return;
          const dtScores = E.flatMap((e) => e.dtScores.slice(0, maxDet));
          // Different sorting methods give slightly different results: mergesort, as the MATLAB code.
          const inds = argsortStable(dtScores.map((s) => -s));
          const dtScoresSorted = inds.map((i) => dtScores[i]!);
          const dtm = Array.from({ length: T }, (_, t) => {
            const row = E.flatMap((e) => e.dtMatches[t]!.slice(0, maxDet));
            return inds.map((i) => row[i]!);
          });
          const dtIg = Array.from({ length: T }, (_, t) => {
            const row = E.flatMap((e) => e.dtIgnore[t]!.slice(0, maxDet));
            return inds.map((i) => row[i]!);
          });
          const gtIg = E.flatMap((e) => e.gtIgnore);
          const npig = gtIg.filter((g) => g === 0).length;
          if (npig === 0) return;
          for (let t = 0; t < T; t++) {
            const nd = dtm[t]!.length;
            const tp: number[] = [];
            const fp: number[] = [];
            let tpSum = 0;
            let fpSum = 0;
            for (let d = 0; d < nd; d++) {
              const matched = dtm[t]![d] !== 0;
              const ignored = dtIg[t]![d]!;
              if (matched && !ignored) tpSum++;
              if (!matched && !ignored) fpSum++;
              tp.push(tpSum);
              fp.push(fpSum);
            }
            const rc = tp.map((v) => v / npig);
            const pr = tp.map((v, i) => v / (fp[i]! + v + EPS));
            recall.set(nd ? rc[nd - 1]! : 0, t, k, a, m);
            // Precision made monotone from the right (the envelope of the curve).
            for (let i = nd - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
            const q = new Array<number>(R).fill(0);
            const ss = new Array<number>(R).fill(0);
            for (let ri = 0; ri < R; ri++) {
              const pi = searchsortedLeft(rc, p!.recThrs[ri]!);
              // Past the last detection pycocotools' loop stops (an IndexError caught), leaving zeros.
              if (pi >= nd) break;
              q[ri] = pr[pi]!;
              ss[ri] = dtScoresSorted[pi]!;
            }
            for (let ri = 0; ri < R; ri++) {
              precision.set(q[ri]!, t, ri, k, a, m);
              scores.set(ss[ri]!, t, ri, k, a, m);
            }
          }
        });
      });
    });
    this.eval = { params: p, counts: [T, R, K, A, M], precision, recall, scores };
    this.log(`DONE (t=${((performance.now() - t0) / 1000).toFixed(2)}s).`);
  }

  /**
   * The summary numbers (pycocotools' stats), printed as pycocotools prints them: for boxes and masks AP,
   * AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl; for keypoints AP, AP50, AP75, APm, APl, AR,
   * AR50, AR75, ARm, ARl (maxDets 20).
   */
  summarize(): number[] {
    if (this.eval === null) throw new Error('COCOeval: run accumulate() first');
    this.summaryLines = [];
    const s = (ap: boolean, iouThr: number | null = null, areaRng = 'all', maxDets = 100): number => this.summarizeOne(ap, iouThr, areaRng, maxDets);
    const md = this.params.maxDets;
    if (this.params.iouType === 'keypoints') {
      this.stats = [s(true, null, 'all', 20), s(true, 0.5, 'all', 20), s(true, 0.75, 'all', 20), s(true, null, 'medium', 20),
        s(true, null, 'large', 20), s(false, null, 'all', 20), s(false, 0.5, 'all', 20), s(false, 0.75, 'all', 20),
        s(false, null, 'medium', 20), s(false, null, 'large', 20)];
    } else {
      this.stats = [s(true), s(true, 0.5, 'all', md[2]), s(true, 0.75, 'all', md[2]), s(true, null, 'small', md[2]),
        s(true, null, 'medium', md[2]), s(true, null, 'large', md[2]), s(false, null, 'all', md[0]), s(false, null, 'all', md[1]),
        s(false, null, 'all', md[2]), s(false, null, 'small', md[2]), s(false, null, 'medium', md[2]), s(false, null, 'large', md[2])];
    }
    return this.stats;
  }

  private summarizeOne(ap: boolean, iouThr: number | null, areaRng: string, maxDets: number | undefined): number {
    const p = this.params;
    const ev = this.eval!;
    const title = ap ? 'Average Precision' : 'Average Recall';
    const type = ap ? '(AP)' : '(AR)';
    const iouStr = iouThr === null ? `${p.iouThrs[0]!.toFixed(2)}:${p.iouThrs[p.iouThrs.length - 1]!.toFixed(2)}` : iouThr.toFixed(2);
    const aind = p.areaRngLbl.map((l, i) => (l === areaRng ? i : -1)).filter((i) => i >= 0);
    const mind = p.maxDets.map((m, i) => (m === maxDets ? i : -1)).filter((i) => i >= 0);
    const tind = iouThr === null ? p.iouThrs.map((_, i) => i) : p.iouThrs.map((t, i) => (t === iouThr ? i : -1)).filter((i) => i >= 0);
    const [T, R, K] = ev.counts;
    // numpy's s[:, :, :, aind, mind]: the two index lists pair up (broadcast), and the values come in the order
    // t, r, k, pair (for recall t, k, pair), which fixes how np.mean sums them.
    const n = aind.length === 1 ? mind.length : mind.length === 1 ? aind.length : Math.min(aind.length, mind.length);
    const pairs = Array.from({ length: aind.length === 0 || mind.length === 0 ? 0 : n },
      (_, i) => [aind[aind.length === 1 ? 0 : i]!, mind[mind.length === 1 ? 0 : i]!] as const);
    const values: number[] = [];
    for (const t of tind) {
      if (t >= T) continue;
      if (ap) {
        for (let r = 0; r < R; r++) for (let k = 0; k < K; k++) for (const [a, m] of pairs) values.push(ev.precision.get(t, r, k, a, m));
      } else {
        for (let k = 0; k < K; k++) for (const [a, m] of pairs) values.push(ev.recall.get(t, k, a, m));
      }
    }
    const valid = values.filter((v) => v > -1);
    const mean = valid.length === 0 ? -1 : npMean(valid);
    const line = ` ${title.padEnd(18)} ${type} @[ IoU=${iouStr.padEnd(9)} | area=${areaRng.padStart(6)} | maxDets=${String(maxDets ?? '').padStart(3)} ] = ${mean.toFixed(3)}`;
    this.summaryLines.push(line);
    this.log(line);
    return mean;
  }
}
classArgs(COCOeval, 'tstorch.vision.coco.COCOeval', 'cocoGt, cocoDt, iouType?; *, verbose');

/** numpy's pairwise summation of a float64 array (np.sum / np.mean), so that sums round as numpy's do. */
function npSum(a: readonly number[]): number {
  const pairwise = (lo: number, n: number): number => {
    if (n < 8) {
      let s = 0;
      for (let i = lo; i < lo + n; i++) s += a[i]!;
      return s;
    }
    if (n <= 128) {
      const r = new Array<number>(8);
      for (let j = 0; j < 8; j++) r[j] = a[lo + j]!;
      let i = 8;
      for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[lo + i + j]!;
      let res = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
      for (; i < n; i++) res += a[lo + i]!;
      return res;
    }
    let n2 = Math.floor(n / 2);
    n2 -= n2 % 8;
    return pairwise(lo, n2) + pairwise(lo + n2, n - n2);
  };
  return pairwise(0, a.length);
}

function npMean(a: readonly number[]): number {
  return npSum(a) / a.length;
}

export type { CocoCategory };
