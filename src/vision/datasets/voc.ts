// torchvision.datasets.VOCDetection and VOCSegmentation: the PASCAL VOC layout (VOCdevkit/VOC<year>/ with
// JPEGImages, ImageSets/Main or ImageSets/Segmentation/<image_set>.txt, Annotations/*.xml, SegmentationClass/*.png).
// Detection targets are the annotation XML as nested objects (torchvision's parse_voc_xml); segmentation targets
// the class-index mask (a one-channel 'P' image of palette indices).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { classArgs, withArgs, type PyRest } from '../../args.js';
import { openImage, openImageSync } from '../io/decode.js';
import { readPaletteImage, type PaletteImage } from '../io/png-palette.js';
import type { RGBImage } from '../io/image.js';
import { downloadSync } from './download.js';
import { VisionDataset, datasetOptions, type VisionDatasetOptions } from './vision-dataset.js';

/** torchvision's DATASET_YEAR_DICT: the official archives. */
export const VOC_DATASET_YEAR_DICT: Record<string, { url: string; filename: string; md5: string; baseDir: string }> = {
  2012: { url: 'http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar', filename: 'VOCtrainval_11-May-2012.tar', md5: '6cd6e144f989b92b3379bac3b3de84fd', baseDir: 'VOCdevkit/VOC2012' },
  2011: { url: 'http://host.robots.ox.ac.uk/pascal/VOC/voc2011/VOCtrainval_25-May-2011.tar', filename: 'VOCtrainval_25-May-2011.tar', md5: '6c3384ef61512963050cb5d687e5bf1e', baseDir: 'TrainVal/VOCdevkit/VOC2011' },
  2010: { url: 'http://host.robots.ox.ac.uk/pascal/VOC/voc2010/VOCtrainval_03-May-2010.tar', filename: 'VOCtrainval_03-May-2010.tar', md5: 'da459979d0c395079b5c75ee67908abb', baseDir: 'VOCdevkit/VOC2010' },
  2009: { url: 'http://host.robots.ox.ac.uk/pascal/VOC/voc2009/VOCtrainval_11-May-2009.tar', filename: 'VOCtrainval_11-May-2009.tar', md5: 'a3e00b113cfcfebf17e343f59da3caa1', baseDir: 'VOCdevkit/VOC2009' },
  // torchvision's entry names the 2012 file for 2008 (its own slip); the md5 is the 2008 archive's.
  2008: { url: 'http://host.robots.ox.ac.uk/pascal/VOC/voc2008/VOCtrainval_14-Jul-2008.tar', filename: 'VOCtrainval_11-May-2012.tar', md5: '2629fa636546599198acfcfbfcf1904a', baseDir: 'VOCdevkit/VOC2008' },
  2007: { url: 'http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtrainval_06-Nov-2007.tar', filename: 'VOCtrainval_06-Nov-2007.tar', md5: 'c52e279531787c972589f7e41ab4ae64', baseDir: 'VOCdevkit/VOC2007' },
  '2007-test': { url: 'http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtest_06-Nov-2007.tar', filename: 'VOCtest_06-Nov-2007.tar', md5: 'b6e924de25625d8de591ea690078ad9f', baseDir: 'VOCdevkit/VOC2007' },
};

export interface VOCOptions extends VisionDatasetOptions {
  /** '2007' ... '2012' (default '2012'). */
  year?: string;
  /** 'train' (default), 'trainval', 'val', and for 2007 'test'. */
  imageSet?: string;
  /** Fetch and extract the official archive into root. Default false. */
  download?: boolean;
}

abstract class VOCBase<T> extends VisionDataset<any, any> {
  readonly year: string;
  readonly imageSet: string;
  readonly images: string[];
  readonly targets: string[];

  constructor(opts: VOCOptions, splitsDir: string, targetDir: string, targetExt: string) {
    super(opts);
    const name = new.target.name;
    const year = String(opts.year ?? '2012');
    if (!['2007', '2008', '2009', '2010', '2011', '2012'].includes(year)) throw new RangeError(`${name}: year must be one of 2007 .. 2012, got '${year}'`);
    const imageSet = opts.imageSet ?? 'train';
    const valid = ['train', 'trainval', 'val', ...(year === '2007' ? ['test'] : [])];
    if (!valid.includes(imageSet)) throw new RangeError(`${name}: imageSet must be one of ${valid.join(', ')}, got '${imageSet}'`);
    this.year = year;
    this.imageSet = imageSet;
    const entry = VOC_DATASET_YEAR_DICT[year === '2007' && imageSet === 'test' ? '2007-test' : year]!;
    const vocRoot = join(this.root, entry.baseDir);
    if (opts.download && !existsSync(vocRoot)) {
      downloadSync({ kind: 'archive', job: { urls: [entry.url], root: this.root, filename: entry.filename, md5: entry.md5 } });
    }
    if (!existsSync(vocRoot) || !statSync(vocRoot).isDirectory()) {
      throw new Error(`${name}: dataset not found at ${vocRoot}${opts.download ? '' : '; pass download: true to fetch it'}`);
    }
    const splitF = join(vocRoot, 'ImageSets', splitsDir, `${imageSet.replace(/\n+$/, '')}.txt`);
    let lines: string;
    try {
      lines = readFileSync(splitF, 'utf8');
    } catch (e) {
      throw new Error(`${name}: cannot read the image list ${splitF}: ${(e as Error).message}`);
    }
    // One image name per line; blank lines name nothing (torchvision would look for '.jpg').
    const names = lines.split('\n').map((x) => x.trim()).filter((x) => x !== '');
    this.images = names.map((x) => join(vocRoot, 'JPEGImages', `${x}.jpg`));
    this.targets = names.map((x) => join(vocRoot, targetDir, `${x}${targetExt}`));
  }

  get length(): number { return this.images.length; }

  protected check(index: number): number {
    const n = this.images.length;
    if (!Number.isInteger(index) || index < -n || index >= n) throw new RangeError(`${this.constructor.name}: index ${index} is out of range for ${n} images`);
    return index < 0 ? index + n : index;
  }

  protected abstract loadTarget(path: string): T;

  get(index: number): [any, any] {
    const i = this.check(index);
    return this.sample(openImageSync(this.images[i]!, { mode: 'RGB' }), this.loadTarget(this.targets[i]!));
  }

  async getAsync(index: number): Promise<[any, any]> {
    const i = this.check(index);
    return this.sample(await openImage(this.images[i]!, { mode: 'RGB' }), this.loadTarget(this.targets[i]!));
  }

  protected override extraRepr(): string[] { return [`Year: ${this.year}`, `Image set: ${this.imageSet}`]; }
}

/** Sample i: (RGB image, class mask as a 'P' image whose values are the class indices, 255 on borders). */
export class VOCSegmentation extends VOCBase<PaletteImage> {
  /** torchvision's order (root, year, imageSet, download, transform, targetTransform, transforms), or one options object. */
  constructor(root: string, ...rest: PyRest<VOCOptions, ['year', 'imageSet', 'download', 'transform', 'targetTransform', 'transforms']>);
  constructor(opts: VOCOptions);
  constructor(...args: unknown[]) { super(datasetOptions(VOCSegmentation, args), 'Segmentation', 'SegmentationClass', '.png'); }
  get masks(): string[] { return this.targets; }
  protected loadTarget(path: string): PaletteImage { return readPaletteImage(path); }
}

/** A VOC annotation as torchvision's parse_voc_xml gives it: element text, or child elements by tag (a list when repeated). */
export type VocXml = { [tag: string]: string | VocXml | (string | VocXml)[] };

/** Sample i: (RGB image, { annotation: { filename, size, object: [...] ... } }). */
export class VOCDetection extends VOCBase<VocXml> {
  /** torchvision's order (root, year, imageSet, download, transform, targetTransform, transforms), or one options object. */
  constructor(root: string, ...rest: PyRest<VOCOptions, ['year', 'imageSet', 'download', 'transform', 'targetTransform', 'transforms']>);
  constructor(opts: VOCOptions);
  constructor(...args: unknown[]) { super(datasetOptions(VOCDetection, args), 'Main', 'Annotations', '.xml'); }
  get annotations(): string[] { return this.targets; }
  protected loadTarget(path: string): VocXml {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`VOCDetection: cannot read annotation ${path}: ${(e as Error).message}`);
    }
    try {
      return parseVocXml(parseXml(text));
    } catch (e) {
      throw new Error(`VOCDetection: ${path}: ${(e as Error).message}`);
    }
  }
}

/** An XML element: tag, text (stripped of nothing) and children. */
export interface XmlElement { tag: string; text: string; children: XmlElement[] }

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

/**
 * A small XML parser for annotation files: elements, attributes (ignored, as parse_voc_xml ignores them), text,
 * comments, processing instructions, CDATA. No DTDs or entity definitions (as defusedxml refuses them).
 */
function parseXmlImpl(text: string): XmlElement {
  let pos = 0;
  const fail = (msg: string): never => { throw new SyntaxError(`XML: ${msg} at offset ${pos}`); };
  const skipMisc = (): void => {
    for (;;) {
      while (pos < text.length && /\s/.test(text[pos]!)) pos++;
      if (text.startsWith('<?', pos)) { const e = text.indexOf('?>', pos); if (e < 0) fail('unterminated processing instruction'); pos = e + 2; continue; }
      if (text.startsWith('<!--', pos)) { const e = text.indexOf('-->', pos); if (e < 0) fail('unterminated comment'); pos = e + 3; continue; }
      if (text.startsWith('<!DOCTYPE', pos)) fail('DTDs are not accepted');
      break;
    }
  };
  const element = (depth: number): XmlElement => {
    if (depth > 256) fail('elements nested too deep');
    if (text[pos] !== '<') fail('expected an element');
    const m = /^<([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(text.slice(pos, pos + 4096));
    if (!m) fail('malformed start tag');
    const tag = m![1]!;
    pos += m![0].length;
    const el: XmlElement = { tag, text: '', children: [] };
    if (m![3] === '/') return el;
    let sawChild = false;
    for (;;) {
      if (pos >= text.length) fail(`unterminated element <${tag}>`);
      if (text.startsWith('</', pos)) {
        const close = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(text.slice(pos, pos + 300));
        if (!close || close[1] !== tag) fail(`expected </${tag}>`);
        pos += close![0].length;
        return el;
      }
      if (text.startsWith('<!--', pos)) { const e = text.indexOf('-->', pos); if (e < 0) fail('unterminated comment'); pos = e + 3; continue; }
      if (text.startsWith('<![CDATA[', pos)) {
        const e = text.indexOf(']]>', pos);
        if (e < 0) fail('unterminated CDATA');
        if (!sawChild) el.text += text.slice(pos + 9, e);
        pos = e + 3;
        continue;
      }
      if (text.startsWith('<?', pos)) { const e = text.indexOf('?>', pos); if (e < 0) fail('unterminated processing instruction'); pos = e + 2; continue; }
      if (text[pos] === '<') {
        el.children.push(element(depth + 1));
        sawChild = true;
        continue;
      }
      const next = text.indexOf('<', pos);
      const chunk = text.slice(pos, next < 0 ? text.length : next);
      // ElementTree's text is what precedes the first child.
      if (!sawChild) el.text += unescapeXml(chunk);
      pos += chunk.length;
    }
  };
  skipMisc();
  const root = element(0);
  skipMisc();
  if (pos < text.length) fail('content after the root element');
  return root;
}
export const parseXml = withArgs('parseXml', 'xml.etree.ElementTree.fromstring', 'text', parseXmlImpl);

/** torchvision's VOCDetection.parse_voc_xml: children by tag, single ones unwrapped, 'object' always a list. */
function parseVocXmlImpl(node: XmlElement): VocXml {
  let vocDict: VocXml = {};
  const children = node.children;
  if (children.length) {
    const defDic = new Map<string, (string | VocXml)[]>();
    for (const dc of children.map((c) => parseVocXmlImpl(c))) {
      for (const [ind, v] of Object.entries(dc)) {
        if (!defDic.has(ind)) defDic.set(ind, []);
        defDic.get(ind)!.push(v as string | VocXml);
      }
    }
    if (node.tag === 'annotation') defDic.set('object', [defDic.get('object') ?? []] as never);
    const inner: VocXml = {};
    for (const [ind, v] of defDic) inner[ind] = v.length === 1 ? v[0]! : v;
    vocDict = { [node.tag]: inner };
  }
  if (node.text) {
    const text = node.text.trim();
    if (!children.length) vocDict[node.tag] = text;
  }
  return vocDict;
}
export const parseVocXml = withArgs('parseVocXml', 'torchvision.datasets.VOCDetection.parse_voc_xml', 'node:dict', parseVocXmlImpl);

export type { RGBImage };

const VOC_SPEC = '; root, year, imageSet, download, transform, targetTransform, transforms';
classArgs(VOCSegmentation, 'torchvision.datasets.VOCSegmentation', VOC_SPEC);
classArgs(VOCDetection, 'torchvision.datasets.VOCDetection', VOC_SPEC);
