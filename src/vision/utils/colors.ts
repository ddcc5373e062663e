import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(getrgb, 'getrgb', 'tstorch.vision.utils.getrgb', 'color');
registerSignature(toRgb, 'toRgb', 'tstorch.vision.utils.toRgb', 'c, what?');
// PIL's ImageColor: colour names (the 148 CSS names Pillow knows) and the colour string formats getrgb reads.
const COLORMAP: Record<string, string> = {
  aliceblue: '#f0f8ff',
  antiquewhite: '#faebd7',
  aqua: '#00ffff',
  aquamarine: '#7fffd4',
  azure: '#f0ffff',
  beige: '#f5f5dc',
  bisque: '#ffe4c4',
  black: '#000000',
  blanchedalmond: '#ffebcd',
  blue: '#0000ff',
  blueviolet: '#8a2be2',
  brown: '#a52a2a',
  burlywood: '#deb887',
  cadetblue: '#5f9ea0',
  chartreuse: '#7fff00',
  chocolate: '#d2691e',
  coral: '#ff7f50',
  cornflowerblue: '#6495ed',
  cornsilk: '#fff8dc',
  crimson: '#dc143c',
  cyan: '#00ffff',
  darkblue: '#00008b',
  darkcyan: '#008b8b',
  darkgoldenrod: '#b8860b',
  darkgray: '#a9a9a9',
  darkgreen: '#006400',
  darkgrey: '#a9a9a9',
  darkkhaki: '#bdb76b',
  darkmagenta: '#8b008b',
  darkolivegreen: '#556b2f',
  darkorange: '#ff8c00',
  darkorchid: '#9932cc',
  darkred: '#8b0000',
  darksalmon: '#e9967a',
  darkseagreen: '#8fbc8f',
  darkslateblue: '#483d8b',
  darkslategray: '#2f4f4f',
  darkslategrey: '#2f4f4f',
  darkturquoise: '#00ced1',
  darkviolet: '#9400d3',
  deeppink: '#ff1493',
  deepskyblue: '#00bfff',
  dimgray: '#696969',
  dimgrey: '#696969',
  dodgerblue: '#1e90ff',
  firebrick: '#b22222',
  floralwhite: '#fffaf0',
  forestgreen: '#228b22',
  fuchsia: '#ff00ff',
  gainsboro: '#dcdcdc',
  ghostwhite: '#f8f8ff',
  gold: '#ffd700',
  goldenrod: '#daa520',
  gray: '#808080',
  green: '#008000',
  greenyellow: '#adff2f',
  grey: '#808080',
  honeydew: '#f0fff0',
  hotpink: '#ff69b4',
  indianred: '#cd5c5c',
  indigo: '#4b0082',
  ivory: '#fffff0',
  khaki: '#f0e68c',
  lavender: '#e6e6fa',
  lavenderblush: '#fff0f5',
  lawngreen: '#7cfc00',
  lemonchiffon: '#fffacd',
  lightblue: '#add8e6',
  lightcoral: '#f08080',
  lightcyan: '#e0ffff',
  lightgoldenrodyellow: '#fafad2',
  lightgray: '#d3d3d3',
  lightgreen: '#90ee90',
  lightgrey: '#d3d3d3',
  lightpink: '#ffb6c1',
  lightsalmon: '#ffa07a',
  lightseagreen: '#20b2aa',
  lightskyblue: '#87cefa',
  lightslategray: '#778899',
  lightslategrey: '#778899',
  lightsteelblue: '#b0c4de',
  lightyellow: '#ffffe0',
  lime: '#00ff00',
  limegreen: '#32cd32',
  linen: '#faf0e6',
  magenta: '#ff00ff',
  maroon: '#800000',
  mediumaquamarine: '#66cdaa',
  mediumblue: '#0000cd',
  mediumorchid: '#ba55d3',
  mediumpurple: '#9370db',
  mediumseagreen: '#3cb371',
  mediumslateblue: '#7b68ee',
  mediumspringgreen: '#00fa9a',
  mediumturquoise: '#48d1cc',
  mediumvioletred: '#c71585',
  midnightblue: '#191970',
  mintcream: '#f5fffa',
  mistyrose: '#ffe4e1',
  moccasin: '#ffe4b5',
  navajowhite: '#ffdead',
  navy: '#000080',
  oldlace: '#fdf5e6',
  olive: '#808000',
  olivedrab: '#6b8e23',
  orange: '#ffa500',
  orangered: '#ff4500',
  orchid: '#da70d6',
  palegoldenrod: '#eee8aa',
  palegreen: '#98fb98',
  paleturquoise: '#afeeee',
  palevioletred: '#db7093',
  papayawhip: '#ffefd5',
  peachpuff: '#ffdab9',
  peru: '#cd853f',
  pink: '#ffc0cb',
  plum: '#dda0dd',
  powderblue: '#b0e0e6',
  purple: '#800080',
  rebeccapurple: '#663399',
  red: '#ff0000',
  rosybrown: '#bc8f8f',
  royalblue: '#4169e1',
  saddlebrown: '#8b4513',
  salmon: '#fa8072',
  sandybrown: '#f4a460',
  seagreen: '#2e8b57',
  seashell: '#fff5ee',
  sienna: '#a0522d',
  silver: '#c0c0c0',
  skyblue: '#87ceeb',
  slateblue: '#6a5acd',
  slategray: '#708090',
  slategrey: '#708090',
  snow: '#fffafa',
  springgreen: '#00ff7f',
  steelblue: '#4682b4',
  tan: '#d2b48c',
  teal: '#008080',
  thistle: '#d8bfd8',
  tomato: '#ff6347',
  turquoise: '#40e0d0',
  violet: '#ee82ee',
  wheat: '#f5deb3',
  white: '#ffffff',
  whitesmoke: '#f5f5f5',
  yellow: '#ffff00',
  yellowgreen: '#9acd32'
};

export type RGB = [number, number, number];
export type RGBA = [number, number, number, number];
/** A colour as torchvision takes it: a PIL colour string ("red", "#FF00FF", "rgb(240,10,157)") or an RGB tuple. */
export type ColorLike = string | readonly number[];

/** PIL's colorsys.hls_to_rgb. */
function hlsToRgb(h: number, l: number, s: number): RGB {
  if (s === 0) return [l, l, l];
  const m2 = l <= 0.5 ? l * (1.0 + s) : l + s - l * s;
  const m1 = 2.0 * l - m2;
  const v = (hue: number): number => {
    hue = ((hue % 1.0) + 1.0) % 1.0;
    if (hue < 1 / 6) return m1 + (m2 - m1) * hue * 6.0;
    if (hue < 0.5) return m2;
    if (hue < 2 / 3) return m1 + (m2 - m1) * (2 / 3 - hue) * 6.0;
    return m1;
  };
  return [v(h + 1 / 3), v(h), v(h - 1 / 3)];
}

/** colorsys.hsv_to_rgb. */
function hsvToRgb(h: number, s: number, v: number): RGB {
  if (s === 0.0) return [v, v, v];
  const i = Math.trunc(h * 6.0);
  const f = h * 6.0 - i;
  const p = v * (1.0 - s);
  const q = v * (1.0 - s * f);
  const t = v * (1.0 - s * (1.0 - f));
  switch (((i % 6) + 6) % 6) {
    case 0: return [v, t, p];
    case 1: return [q, v, p];
    case 2: return [p, v, t];
    case 3: return [p, q, v];
    case 4: return [t, p, v];
    default: return [v, p, q];
  }
}

const to255 = (rgb: RGB): RGB => rgb.map((c) => Math.trunc(c * 255 + 0.5)) as RGB;

/** PIL's ImageColor.getrgb: (r, g, b) or (r, g, b, a) of a colour string; unknown strings are an error naming them. */
export function getrgb(color: string): RGB | RGBA {
  [color] = bindOwn(getrgb, arguments) as Parameters<typeof getrgb>;
  if (color.length > 100) throw new RangeError('getrgb: color specifier is too long');
  const c = color.toLowerCase();
  const named = COLORMAP[c];
  if (named !== undefined) return getrgb(named);
  let m: RegExpMatchArray | null;
  const hex = (s: string): number => parseInt(s, 16);
  if ((m = /^#([a-f0-9])([a-f0-9])([a-f0-9])$/.exec(c))) return [hex(m[1]! + m[1]!), hex(m[2]! + m[2]!), hex(m[3]! + m[3]!)];
  if ((m = /^#([a-f0-9])([a-f0-9])([a-f0-9])([a-f0-9])$/.exec(c))) return [hex(m[1]! + m[1]!), hex(m[2]! + m[2]!), hex(m[3]! + m[3]!), hex(m[4]! + m[4]!)];
  if ((m = /^#([a-f0-9]{2})([a-f0-9]{2})([a-f0-9]{2})$/.exec(c))) return [hex(m[1]!), hex(m[2]!), hex(m[3]!)];
  if ((m = /^#([a-f0-9]{2})([a-f0-9]{2})([a-f0-9]{2})([a-f0-9]{2})$/.exec(c))) return [hex(m[1]!), hex(m[2]!), hex(m[3]!), hex(m[4]!)];
  if ((m = /^rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(c))) return [Number(m[1]), Number(m[2]), Number(m[3])];
  if ((m = /^rgb\(\s*(\d+)%\s*,\s*(\d+)%\s*,\s*(\d+)%\s*\)$/.exec(c))) return [1, 2, 3].map((i) => Math.trunc((Number(m![i]) * 255) / 100.0 + 0.5)) as RGB;
  if ((m = /^hsl\(\s*(\d+\.?\d*)\s*,\s*(\d+\.?\d*)%\s*,\s*(\d+\.?\d*)%\s*\)$/.exec(c))) {
    return to255(hlsToRgb(Number(m[1]) / 360.0, Number(m[3]) / 100.0, Number(m[2]) / 100.0));
  }
  if ((m = /^hs[bv]\(\s*(\d+\.?\d*)\s*,\s*(\d+\.?\d*)%\s*,\s*(\d+\.?\d*)%\s*\)$/.exec(c))) {
    return to255(hsvToRgb(Number(m[1]) / 360.0, Number(m[2]) / 100.0, Number(m[3]) / 100.0));
  }
  if ((m = /^rgba\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(c))) return [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  throw new RangeError(`unknown color specifier: '${color}'`);
}

/** A colour argument as an (r, g, b) or (r, g, b, a) tuple of integers 0..255. */
export function toRgb(c: ColorLike, what = 'color'): RGB | RGBA {
  [c, what = 'color'] = bindOwn(toRgb, arguments) as Parameters<typeof toRgb>;
  if (typeof c === 'string') return getrgb(c);
  if (!Array.isArray(c) || (c.length !== 3 && c.length !== 4) || !c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
    throw new TypeError(`${what}: expected a colour string or an (r, g, b) tuple of integers 0..255, got ${JSON.stringify(c)}`);
  }
  return [...c] as RGB | RGBA;
}
