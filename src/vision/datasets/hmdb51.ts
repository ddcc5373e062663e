// torchvision.datasets.HMDB51: root/<class>/<video>.avi with the official split files
// (annotationPath/*_test_split{1,2,3}.txt: "<video>.avi <tag>" per line, tag 1 train, 2 test, 0 unused); every
// clip of framesPerClip frames of the fold's videos. Samples are [frames, audio, class index].
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findClasses, makeDataset } from './folder.js';
import { datasetOptions } from './vision-dataset.js';
import { classArgs, type PyRest } from '../../args.js';
import type { VideoOutputFormat } from '../io/video.js';
import { VideoClassificationDataset, type VideoDatasetOptions } from './video-dataset.js';
import type { VideoClips } from './video-clips.js';

export interface HMDB51Options extends VideoDatasetOptions {
  /** The folder with the split files (brush_hair_test_split1.txt ...). */
  annotationPath: string;
  /** 1 (default), 2 or 3. */
  fold?: number;
  /** The train (default) or test videos of the fold. */
  train?: boolean;
  /** 'THWC' (default) or 'TCHW'. */
  outputFormat?: VideoOutputFormat;
}

export class HMDB51 extends VideoClassificationDataset {
  static readonly TRAIN_TAG = 1;
  static readonly TEST_TAG = 2;
  readonly fold: number;
  readonly train: boolean;
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  readonly samples: [string, number][];
  readonly indices: number[];
  readonly fullVideoClips: VideoClips;
  readonly videoClips: VideoClips;

  /** torchvision's order (root, annotationPath, framesPerClip, stepBetweenClips, frameRate, fold, train, transform), or an options object (root among them). */
  constructor(root: string, annotationPath: string, framesPerClip: number, ...rest: PyRest<HMDB51Options, ['stepBetweenClips', 'frameRate', 'fold', 'train', 'transform']>);
  constructor(opts: HMDB51Options);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<HMDB51Options>(HMDB51, args);
    super(opts);
    const fold = opts.fold ?? 1;
    if (![1, 2, 3].includes(fold)) throw new RangeError(`fold should be between 1 and 3, got ${fold}`);
    if (typeof opts.annotationPath !== 'string') throw new TypeError('HMDB51: the annotationPath option (the folder of the split files) is required');
    this.fold = fold;
    this.train = opts.train ?? true;
    [this.classes, this.classToIdx] = findClasses(this.root);
    this.samples = makeDataset(this.root, this.classToIdx, { extensions: ['avi'] });
    const videoPaths = this.samples.map(([p]) => p);
    this.fullVideoClips = this.makeClips(videoPaths, opts, opts.outputFormat ?? 'THWC');
    this.indices = this.selectFold(videoPaths, opts.annotationPath, fold, this.train);
    this.videoClips = this.fullVideoClips.subset(this.indices);
  }

  private selectFold(videoList: string[], annotationsDir: string, fold: number, train: boolean): number[] {
    const targetTag = train ? HMDB51.TRAIN_TAG : HMDB51.TEST_TAG;
    let files: string[];
    try {
      // glob('*test_split<fold>.txt'): no hidden files
      files = readdirSync(annotationsDir).filter((f) => !f.startsWith('.') && f.endsWith(`test_split${fold}.txt`)).sort();
    } catch (e) {
      throw new Error(`HMDB51: cannot read the annotation folder '${annotationsDir}': ${(e as Error).message}`);
    }
    const selected = new Set<string>();
    for (const f of files) {
      for (const line of readFileSync(join(annotationsDir, f), 'utf8').split('\n')) {
        const parts = line.trim().split(/\s+/);
        if (parts.length < 2 || parts[0] === '') continue;
        if (parts.length !== 2 || !/^-?\d+$/.test(parts[1]!)) throw new Error(`HMDB51: '${join(annotationsDir, f)}' has a line that is not "<video> <tag>": ${JSON.stringify(line)}`);
        if (Number(parts[1]) === targetTag) selected.add(parts[0]!);
      }
    }
    return videoList.flatMap((p, i) => (selected.has(basename(p)) ? [i] : []));
  }

  override get metadata() { return this.fullVideoClips.metadata; }

  protected label(videoIdx: number): number { return this.samples[this.indices[videoIdx]!]![1]; }
}

classArgs(HMDB51, 'torchvision.datasets.HMDB51', '; root, annotationPath, framesPerClip, stepBetweenClips, frameRate, fold, train, transform, *, precomputedMetadata, outputFormat, progress');
