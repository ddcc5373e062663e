// Text on images with real font rendering: an SVG of <text> elements is rasterised by librsvg through pango
// and fontconfig (DejaVu Sans; Debian's fonts-dejavu-core) and composited over the pixels by sharp.
// captionedGrid lays out images with a caption under (or over) each, e.g. "Prediction: ants, Ground Truth: bees".
import { Tensor } from '../../tensor.js';
import { tensor as makeTensor } from '../../creation.js';
import { overlaySvgRaw, type RawImage } from '../io/sharp-ops.js';
import { runSync } from '../io/sync.js';
import { createImage, isImage, tensorToImage, toRGB, type RGBImage } from '../io/image.js';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(captionedGrid, 'captionedGrid', 'tstorch.vision.utils.captionedGrid', 'images; *, captions, nrow, padding, position, fontSize, color, background, mean, std');
registerSignature(captionedGridAsync, 'captionedGridAsync', 'tstorch.vision.utils.captionedGridAsync', 'images; *, captions, nrow, padding, position, fontSize, color, background, mean, std');
registerSignature(drawText, 'drawText', 'tstorch.vision.utils.drawText', 'img:dict, items:dict');
registerSignature(drawTextAsync, 'drawTextAsync', 'tstorch.vision.utils.drawTextAsync', 'img:dict, items:dict');
registerSignature(textSvg, 'textSvg', 'tstorch.vision.utils.textSvg', 'width, height, items');
registerSignature(textWidth, 'textWidth', 'tstorch.vision.utils.textWidth', 'text, fontSize');
registerSignature(wrapText, 'wrapText', 'tstorch.vision.utils.wrapText', 'text, maxWidth, fontSize?');

export const DEFAULT_FONT = "'DejaVu Sans', 'Liberation Sans', sans-serif";

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export interface TextItem {
  text: string;
  /** Anchor point in pixels: x per `anchor`, y the top of the first line. */
  x: number;
  y: number;
  anchor?: 'start' | 'middle' | 'end';
  fontSize?: number;
  /** Any SVG/CSS colour (default black). */
  color?: string;
  fontFamily?: string;
  bold?: boolean;
}

/** The SVG document drawing `items` on a width x height transparent page. Lines split at '\n'. */
export function textSvg(width: number, height: number, items: readonly TextItem[]): string {
  [width, height, items] = bindOwn(textSvg, arguments) as Parameters<typeof textSvg>;
  const parts = items.map((it) => {
    const size = it.fontSize ?? 12;
    const lines = it.text.split('\n');
    const tspans = lines.map((l, i) => `<tspan x="${it.x}" dy="${i === 0 ? size : Math.round(size * 1.25)}">${escapeXml(l)}</tspan>`).join('');
    return `<text x="${it.x}" y="${it.y}" font-family="${escapeXml(it.fontFamily ?? DEFAULT_FONT)}" font-size="${size}"`
      + `${it.bold ? ' font-weight="bold"' : ''} fill="${escapeXml(it.color ?? '#000000')}" text-anchor="${it.anchor ?? 'start'}">${tspans}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

function asImage(x: RGBImage | Tensor, what: string): RGBImage {
  if (x instanceof Tensor) return toRGB(tensorToImage(x));
  if (isImage(x)) return toRGB(x);
  throw new TypeError(`${what}: expected an image (RGBImage) or a CHW tensor`);
}

function fromRaw(r: RawImage): RGBImage { return createImage(r.width, r.height, r.channels, r.data); }

/** Draws text items over an image (a new image; tensors are taken as to_pil_image would). */
export function drawText(img: RGBImage | Tensor, items: TextItem | readonly TextItem[]): RGBImage {
  [img, items] = bindOwn(drawText, arguments) as Parameters<typeof drawText>;
  const base = asImage(img, 'drawText');
  const list = Array.isArray(items) ? items : [items as TextItem];
  return fromRaw(runSync({ kind: 'overlay', image: base, svg: textSvg(base.width, base.height, list) }) as RawImage);
}

export async function drawTextAsync(img: RGBImage | Tensor, items: TextItem | readonly TextItem[]): Promise<RGBImage> {
  [img, items] = bindOwn(drawTextAsync, arguments) as Parameters<typeof drawTextAsync>;
  const base = asImage(img, 'drawText');
  const list = Array.isArray(items) ? items : [items as TextItem];
  return fromRaw(await overlaySvgRaw(base, textSvg(base.width, base.height, list)));
}

/** DejaVu Sans advance widths of ASCII 32..126 in 1/1000 em (read from DejaVuSans.ttf), for line breaking. */
const DEJAVU_SANS_ADVANCE = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636,
  636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
  603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635,
  634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];

/** The width of `text` in DejaVu Sans at `fontSize` px (other characters counted as 0.7 em). */
export function textWidth(text: string, fontSize: number): number {
  [text, fontSize] = bindOwn(textWidth, arguments) as Parameters<typeof textWidth>;
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    w += c >= 32 && c <= 126 ? DEJAVU_SANS_ADVANCE[c - 32]! : 700;
  }
  return (w * fontSize) / 1000;
}

/** Greedy word wrap so that each line fits `maxWidth` px of DejaVu Sans at `fontSize` ('\n' also breaks). */
export function wrapText(text: string, maxWidth: number, fontSize = 12): string {
  [text, maxWidth, fontSize = 12] = bindOwn(wrapText, arguments) as Parameters<typeof wrapText>;
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      const next = line === '' ? word : `${line} ${word}`;
      if (textWidth(next, fontSize) > maxWidth && line !== '') { out.push(line); line = word; } else line = next;
    }
    out.push(line);
  }
  return out.join('\n');
}

export interface CaptionedGridOptions {
  captions: readonly string[];
  /** Images per row (default: all in one row up to 4). */
  nrow?: number;
  /** Gap between cells and around the grid, in pixels (default 8). */
  padding?: number;
  position?: 'below' | 'above';
  fontSize?: number;
  color?: string;
  background?: [number, number, number];
  /** Undo transforms.Normalize on float tensors before display: x * std + mean. */
  mean?: readonly number[];
  std?: readonly number[];
}

function layout(images: readonly (RGBImage | Tensor)[] | Tensor, opts: CaptionedGridOptions): { canvas: RGBImage; svg: string } {
  let list: (RGBImage | Tensor)[] = images instanceof Tensor ? images.unbind(0) : [...images];
  if (opts.mean !== undefined || opts.std !== undefined) {
    const mean = opts.mean ?? [0, 0, 0], std = opts.std ?? [1, 1, 1];
    list = list.map((x) => {
      if (!(x instanceof Tensor)) return x;
      const m = makeTensor([...mean], { dtype: x.dtype }).view([-1, 1, 1]);
      const s = makeTensor([...std], { dtype: x.dtype }).view([-1, 1, 1]);
      return x.mul(s).add(m).clamp(0, 1);
    });
  }
  const imgs = list.map((x, i) => asImage(x, `captionedGrid: images[${i}]`));
  if (opts.captions.length !== imgs.length) throw new RangeError(`captionedGrid: ${imgs.length} images but ${opts.captions.length} captions`);
  if (imgs.length === 0) throw new RangeError('captionedGrid: no images');
  const nrow = opts.nrow ?? Math.min(imgs.length, 4);
  const pad = opts.padding ?? 8;
  const fontSize = opts.fontSize ?? 12;
  const cellW = Math.max(...imgs.map((m) => m.width));
  const cellH = Math.max(...imgs.map((m) => m.height));
  const wrapped = opts.captions.map((c) => wrapText(c, cellW, fontSize));
  const lineH = Math.round(fontSize * 1.25);
  const capH = Math.max(...wrapped.map((c) => c.split('\n').length)) * lineH + Math.round(fontSize * 0.5);
  const cols = Math.min(nrow, imgs.length), rows = Math.ceil(imgs.length / cols);
  const W = cols * (cellW + pad) + pad, H = rows * (cellH + capH + pad) + pad;
  const bg = opts.background ?? [255, 255, 255];
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) data.set(bg, i * 3);
  const items: TextItem[] = [];
  const below = (opts.position ?? 'below') === 'below';
  imgs.forEach((m, k) => {
    const cx = pad + (k % cols) * (cellW + pad), cy = pad + Math.floor(k / cols) * (cellH + capH + pad);
    const ix = cx + ((cellW - m.width) >> 1);
    const iy = (below ? cy : cy + capH) + ((cellH - m.height) >> 1);
    for (let y = 0; y < m.height; y++) data.set(m.data.subarray(y * m.width * 3, (y + 1) * m.width * 3), ((iy + y) * W + ix) * 3);
    const ty = below ? cy + cellH + Math.round(fontSize * 0.25) : cy;
    items.push({ text: wrapped[k]!, x: cx + cellW / 2, y: ty, anchor: 'middle', fontSize, color: opts.color });
  });
  return { canvas: createImage(W, H, 3, data), svg: textSvg(W, H, items) };
}

/** A picture of the images in a grid, each with its caption under (or over) it. */
export function captionedGrid(images: readonly (RGBImage | Tensor)[] | Tensor, opts: CaptionedGridOptions): RGBImage {
  [images, opts] = bindOwn(captionedGrid, arguments) as Parameters<typeof captionedGrid>;
  const { canvas, svg } = layout(images, opts);
  return fromRaw(runSync({ kind: 'overlay', image: canvas, svg }) as RawImage);
}

export async function captionedGridAsync(images: readonly (RGBImage | Tensor)[] | Tensor, opts: CaptionedGridOptions): Promise<RGBImage> {
  [images, opts] = bindOwn(captionedGridAsync, arguments) as Parameters<typeof captionedGridAsync>;
  const { canvas, svg } = layout(images, opts);
  return fromRaw(await overlaySvgRaw(canvas, svg));
}
