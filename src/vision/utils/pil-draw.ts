// PIL's ImageDraw on an RGB image (Pillow 9.4, libImaging/Draw.c and the ImageDraw wrappers in _imaging.c): the
// rectangle, ellipse and line primitives torchvision's drawing utilities use, pixel for pixel. Coordinates are
// truncated to integers as _imaging.c does ((int) of a double); float arithmetic is float32 where Draw.c's is
// (polygon edges), with the same roundings (ROUND_UP / ROUND_DOWN). Blending ("RGBA" drawing on an RGB image)
// uses Pillow's integer BLEND.

/** An RGB image being drawn on: HWC bytes, modified in place. */
export interface Canvas {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** An ink: r, g, b and the alpha used when blending (255 replaces). */
export type Ink = readonly [number, number, number, number];

const f32 = Math.fround;

/** Draw.c's ROUND_UP / ROUND_DOWN of a float expression (the 0.5F addition is float when f is). */
const roundUpF = (f: number): number => (f >= 0.0 ? Math.floor(f32(f + 0.5)) : -Math.floor(f32(Math.abs(f) + 0.5)));
const roundDownF = (f: number): number => (f >= 0.0 ? Math.ceil(f32(f - 0.5)) : -Math.ceil(f32(Math.abs(f) - 0.5)));
/** The same on doubles (ImagingDrawWideLine's ratios are doubles: double + 0.5F stays double). */
const roundUpD = (f: number): number => Math.trunc(f >= 0.0 ? Math.floor(f + 0.5) : -Math.floor(Math.abs(f) + 0.5));
const roundDownD = (f: number): number => Math.trunc(f >= 0.0 ? Math.ceil(f - 0.5) : -Math.ceil(Math.abs(f) - 0.5));

/** Pillow's BLEND: (in1 * (255 - mask) + in2 * mask) / 255, rounded with its shift trick. */
function blend(mask: number, in1: number, in2: number): number {
  const tmp = in1 * (255 - mask) + in2 * mask + 128;
  return ((tmp >> 8) + tmp) >> 8;
}

interface Edge {
  d: number;
  x0: number;
  y0: number;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  dx: number; // float32
}

function addEdge(x0: number, y0: number, x1: number, y1: number): Edge {
  const e: Edge = { d: 0, x0, y0, xmin: Math.min(x0, x1), xmax: Math.max(x0, x1), ymin: Math.min(y0, y1), ymax: Math.max(y0, y1), dx: 0 };
  if (y0 === y1) {
    e.d = 0;
    e.dx = 0.0;
  } else {
    e.dx = f32(f32(x1 - x0) / (y1 - y0));
    e.d = y0 === e.ymin ? 1 : -1;
  }
  return e;
}

/** Drawing on one canvas; `blendMode` is ImageDraw.Draw(img, "RGBA") on an RGB image (inks carry alpha). */
export class PilDraw {
  constructor(readonly im: Canvas, readonly blendMode = false) {
    if (im.data.length !== im.width * im.height * 3) throw new RangeError(`PilDraw: expected ${im.width} x ${im.height} RGB bytes, got ${im.data.length}`);
  }

  private put(x: number, y: number, ink: Ink): void {
    const o = (y * this.im.width + x) * 3;
    const d = this.im.data;
    if (this.blendMode) {
      d[o] = blend(ink[3], d[o]!, ink[0]);
      d[o + 1] = blend(ink[3], d[o + 1]!, ink[1]);
      d[o + 2] = blend(ink[3], d[o + 2]!, ink[2]);
    } else {
      d[o] = ink[0];
      d[o + 1] = ink[1];
      d[o + 2] = ink[2];
    }
  }

  /** point32 / point32rgba. */
  point(x: number, y: number, ink: Ink): void {
    if (x >= 0 && x < this.im.width && y >= 0 && y < this.im.height) this.put(x, y, ink);
  }

  /** hline32 / hline32rgba: x0..x1 inclusive on row y0, clipped. */
  hline(x0: number, y0: number, x1: number, ink: Ink): void {
    if (!(y0 >= 0 && y0 < this.im.height)) return;
    if (x0 > x1) [x0, x1] = [x1, x0];
    if (x0 < 0) x0 = 0;
    else if (x0 >= this.im.width) return;
    if (x1 < 0) return;
    else if (x1 >= this.im.width) x1 = this.im.width - 1;
    for (let x = x0; x <= x1; x++) this.put(x, y0, ink);
  }

  /** line32: Bresenham from (x0, y0), the end point excluded. */
  line(x0: number, y0: number, x1: number, y1: number, ink: Ink): void {
    let dx = x1 - x0;
    let xs = 1;
    if (dx < 0) { dx = -dx; xs = -1; }
    let dy = y1 - y0;
    let ys = 1;
    if (dy < 0) { dy = -dy; ys = -1; }
    if (dx === 0) {
      for (let i = 0; i < dy; i++) { this.point(x0, y0, ink); y0 += ys; }
    } else if (dy === 0) {
      for (let i = 0; i < dx; i++) { this.point(x0, y0, ink); x0 += xs; }
    } else if (dx > dy) {
      const n = dx;
      dy += dy;
      let e = dy - dx;
      dx += dx;
      for (let i = 0; i < n; i++) {
        this.point(x0, y0, ink);
        if (e >= 0) { y0 += ys; e -= dx; }
        e += dy;
        x0 += xs;
      }
    } else {
      const n = dy;
      dx += dx;
      let e = dx - dy;
      dy += dy;
      for (let i = 0; i < n; i++) {
        this.point(x0, y0, ink);
        if (e >= 0) { x0 += xs; e -= dy; }
        e += dx;
        y0 += ys;
      }
    }
  }

  /** draw_horizontal_lines of polygon_generic (alpha path). */
  private horizontalLines(e: readonly Edge[], ink: Ink, xPos: { v: number }, y: number): void {
    for (const ed of e) {
      if (ed.ymin === y && ed.ymin === ed.ymax) {
        let xmin = ed.xmin;
        if (xPos.v !== -1 && xPos.v < xmin) continue; // the line would be after the current position
        const xmax = ed.xmax;
        if (xPos.v > xmin) {
          xmin = xPos.v; // partway through: start later
          if (xmax < xmin) continue;
        }
        this.hline(xmin, ed.ymin, xmax, ink);
        xPos.v = xmax + 1;
      }
    }
  }

  /** polygon_generic: scan-line fill of the edges (hasAlpha when blending). */
  private polygon(e: readonly Edge[], ink: Ink): void {
    const n = e.length;
    if (n <= 0) return;
    const hasAlpha = this.blendMode;
    const edgeTable: Edge[] = [];
    let ymin = this.im.height - 1;
    let ymax = 0;
    for (const ed of e) {
      if (ymin > ed.ymin) ymin = ed.ymin;
      if (ymax < ed.ymax) ymax = ed.ymax;
      if (ed.ymin === ed.ymax) {
        if (!hasAlpha) this.hline(ed.xmin, ed.ymin, ed.xmax, ink);
        continue;
      }
      edgeTable.push(ed);
    }
    if (ymin < 0) ymin = 0;
    if (ymax > this.im.height) ymax = this.im.height;
    const xx = new Float32Array(edgeTable.length * 2);
    for (; ymin <= ymax; ymin++) {
      let j = 0;
      for (let i = 0; i < edgeTable.length; i++) {
        const current = edgeTable[i]!;
        if (ymin >= current.ymin && ymin <= current.ymax) {
          xx[j++] = f32(f32((ymin - current.y0) * current.dx) + current.x0);
          if (ymin === current.ymax && ymin < ymax) {
            // Needed to draw consistent polygons.
            xx[j] = xx[j - 1]!;
            j++;
          } else if (current.dx !== 0 && Math.round(xx[j - 1]!) === xx[j - 1]) {
            // Connect discontiguous corners.
            for (let k = 0; k < i; k++) {
              const other = edgeTable[k]!;
              if ((current.dx > 0 && other.dx <= 0) || (current.dx < 0 && other.dx >= 0)) continue;
              // Do the two edges join to make a corner?
              if (((ymin === current.ymin && ymin === other.ymin) || (ymin === current.ymax && ymin === other.ymax))
                && xx[j - 1] === f32(f32((ymin - other.y0) * other.dx) + other.x0)) {
                // Points of the edges on the next row, or on the previous one for the last row.
                const offset = ymin === ymax ? -1 : 1;
                const adjacent = f32(f32((ymin + offset - current.y0) * current.dx) + current.x0);
                const adjacentOther = f32(f32((ymin + offset - other.y0) * other.dx) + other.x0);
                if (ymin === current.ymax) {
                  xx[k] = current.dx > 0 ? Math.max(adjacent, adjacentOther) + 1 : Math.min(adjacent, adjacentOther) - 1;
                } else {
                  xx[k] = current.dx > 0 ? Math.min(adjacent, adjacentOther) : Math.max(adjacent, adjacentOther) + 1;
                }
                break;
              }
            }
          }
        }
      }
      const sorted = Array.from(xx.subarray(0, j)).sort((a, b) => a - b);
      if (hasAlpha) {
        const xPos = { v: j === 0 ? -1 : 0 };
        for (let i = 1; i < j; i += 2) {
          const xEnd = roundDownF(sorted[i]!);
          if (xEnd < xPos.v) continue; // before the current position
          this.horizontalLines(e, ink, xPos, ymin);
          if (xEnd < xPos.v) continue;
          let xStart = roundUpF(sorted[i - 1]!);
          if (xPos.v > xStart) {
            xStart = xPos.v;
            if (xEnd < xStart) continue;
          }
          this.hline(xStart, ymin, xEnd, ink);
          xPos.v = xEnd + 1;
        }
        this.horizontalLines(e, ink, xPos, ymin);
      } else {
        for (let i = 1; i < j; i += 2) this.hline(roundUpF(sorted[i - 1]!), ymin, roundDownF(sorted[i]!), ink);
      }
    }
  }

  /** ImagingDrawWideLine: a line of `width` pixels as a filled quadrilateral. */
  wideLine(x0: number, y0: number, x1: number, y1: number, ink: Ink, width: number): void {
    const dx = x1 - x0;
    const dy = y1 - y0;
    if (dx === 0 && dy === 0) {
      this.point(x0, y0, ink);
      return;
    }
    const bigHypotenuse = Math.hypot(dx, dy);
    const smallHypotenuse = (width - 1) / 2.0;
    const ratioMax = roundUpD(smallHypotenuse) / bigHypotenuse;
    const ratioMin = roundDownD(smallHypotenuse) / bigHypotenuse;
    const dxmin = roundDownD(ratioMin * dy);
    const dxmax = roundDownD(ratioMax * dy);
    const dymin = roundDownD(ratioMin * dx);
    const dymax = roundDownD(ratioMax * dx);
    const v = [[x0 - dxmin, y0 + dymax], [x1 - dxmin, y1 + dymax], [x1 + dxmax, y1 - dymin], [x0 + dxmax, y0 - dymin]] as const;
    this.polygon([
      addEdge(v[0][0], v[0][1], v[1][0], v[1][1]), addEdge(v[1][0], v[1][1], v[2][0], v[2][1]),
      addEdge(v[2][0], v[2][1], v[3][0], v[3][1]), addEdge(v[3][0], v[3][1], v[0][0], v[0][1]),
    ], ink);
  }

  /** _draw_lines: a polyline of points (x, y); width <= 1 Bresenham plus the last point, else wide segments. */
  lines(points: readonly (readonly [number, number])[], ink: Ink, width: number): void {
    const p = points.map(([x, y]) => [Math.trunc(x), Math.trunc(y)] as const);
    if (width <= 1) {
      for (let i = 0; i < p.length - 1; i++) this.line(p[i]![0], p[i]![1], p[i + 1]![0], p[i + 1]![1], ink);
      if (p.length > 1) this.point(p[p.length - 1]![0], p[p.length - 1]![1], ink);
    } else {
      for (let i = 0; i < p.length - 1; i++) this.wideLine(p[i]![0], p[i]![1], p[i + 1]![0], p[i + 1]![1], ink, width);
    }
  }

  /** ImagingDrawRectangle: filled, or an outline `width` pixels wide inside the box. */
  rectangle(xy: readonly number[], ink: Ink, fill: boolean, width = 0): void {
    let [x0, y0, x1, y1] = xy.map((v) => Math.trunc(v)) as [number, number, number, number];
    if (x1 < x0) throw new RangeError('rectangle: x1 must be greater than or equal to x0');
    if (y1 < y0) throw new RangeError('rectangle: y1 must be greater than or equal to y0');
    if (y0 > y1) [y0, y1] = [y1, y0];
    if (fill) {
      if (y0 < 0) y0 = 0;
      else if (y0 >= this.im.height) return;
      if (y1 < 0) return;
      else if (y1 > this.im.height) y1 = this.im.height;
      for (let y = y0; y <= y1; y++) this.hline(x0, y, x1, ink);
    } else {
      if (width === 0) width = 1;
      for (let i = 0; i < width; i++) {
        this.hline(x0, y0 + i, x1, ink);
        this.hline(x0, y1 - i, x1, ink);
        this.line(x1 - i, y0 + width, x1 - i, y1 - width + 1, ink);
        this.line(x0 + i, y0 + width, x0 + i, y1 - width + 1, ink);
      }
    }
  }

  /** ellipseNew: the ellipse in the box (x0, y0)-(x1, y1), filled or `width` pixels thick. */
  ellipse(xy: readonly number[], ink: Ink, fill: boolean, width = 0): void {
    const [x0, y0, x1, y1] = xy.map((v) => Math.trunc(v)) as [number, number, number, number];
    const a = x1 - x0;
    const b = y1 - y0;
    if (a < 0 || b < 0) return;
    if (fill) width = a + b;
    for (const [X0, Y, X1] of ellipseSegments(a, b, width)) {
      this.hline(x0 + Math.trunc((X0 + a) / 2), y0 + Math.trunc((Y + b) / 2), x0 + Math.trunc((X1 + a) / 2), ink);
    }
  }
}

/** quarter_state: a quarter of an ellipse of semi-axes a, b on the grid of step 2 (Bresenham). */
class Quarter {
  finished = false;
  private cx = 0;
  private cy = 0;
  private ex = 0;
  private ey = 0;
  private a2 = 0;
  private b2 = 0;
  private a2b2 = 0;
  private big = false;
  constructor(a: number, b: number) {
    if (a < 0 || b < 0) {
      this.finished = true;
      return;
    }
    this.cx = a;
    this.cy = b % 2;
    this.ex = a % 2;
    this.ey = b;
    this.a2 = a * a;
    this.b2 = b * b;
    this.a2b2 = this.a2 * this.b2;
    // Beyond 2^53 the deviations need exact integers (the C code uses int64).
    this.big = Math.max(a, b) > 4096;
  }
  private delta(x: number, y: number): number | bigint {
    if (!this.big) return Math.abs(this.a2 * y * y + this.b2 * x * x - this.a2b2);
    const v = BigInt(this.a2) * BigInt(y) * BigInt(y) + BigInt(this.b2) * BigInt(x) * BigInt(x) - BigInt(this.a2) * BigInt(this.b2);
    return v < 0n ? -v : v;
  }
  next(): [number, number] | null {
    if (this.finished) return null;
    const ret: [number, number] = [this.cx, this.cy];
    if (this.cx === this.ex && this.cy === this.ey) {
      this.finished = true;
    } else {
      let nx = this.cx;
      let ny = this.cy + 2;
      let ndelta = this.delta(nx, ny);
      if (nx > 1) {
        let newdelta = this.delta(this.cx - 2, this.cy + 2);
        if (ndelta > newdelta) {
          nx = this.cx - 2;
          ny = this.cy + 2;
          ndelta = newdelta;
        }
        newdelta = this.delta(this.cx - 2, this.cy);
        if (ndelta > newdelta) {
          nx = this.cx - 2;
          ny = this.cy;
        }
      }
      this.cx = nx;
      this.cy = ny;
    }
    return ret;
  }
}

/** ellipse_init / ellipse_next: the horizontal segments (x0, y, x1), on the step-2 grid, of a thick ellipse. */
function* ellipseSegments(a: number, b: number, w: number): Generator<[number, number, number]> {
  const leftmost = a % 2;
  const stO = new Quarter(a, b);
  const first = stO.next();
  if (w < 1 || first === null) return;
  let [pr, py] = first;
  const stI = new Quarter(a - 2 * (w - 1), b - 2 * (w - 1));
  let pl = leftmost;
  let finished = false;
  for (;;) {
    if (finished) return;
    const y = py;
    let l = pl;
    const r = pr;
    let n: [number, number] | null;
    while ((n = stO.next()) !== null && n[1] <= y) { /* skip points of this row */ }
    if (n === null) finished = true;
    else [pr, py] = n;
    let cx = 0;
    while ((n = stI.next()) !== null && n[1] <= y) l = n[0];
    if (n !== null) cx = n[0];
    pl = n === null ? leftmost : cx;
    const buf: [number, number, number][] = [];
    if ((l > 0 || l < r) && y > 0) buf.push([l === 0 ? 2 : l, y, r]);
    if (y > 0) buf.push([-r, y, -l]);
    if (l > 0 || l < r) buf.push([l === 0 ? 2 : l, -y, r]);
    buf.push([-r, -y, -l]);
    // ellipse_next hands the buffered segments out last first.
    for (let i = buf.length - 1; i >= 0; i--) yield buf[i]!;
  }
}
