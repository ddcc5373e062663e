// torchvision.datasets.UCF101: root/<class>/<video>.avi with the official split lists
// (annotationPath/{train,test}list0{1,2,3}.txt: "<class>/<video>.avi [label]" per line); every clip of
// framesPerClip frames of the fold's videos. Samples are [frames, audio, class index].
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findClasses, makeDataset } from './folder.js';
import { datasetOptions } from './vision-dataset.js';
import { classArgs, type PyRest } from '../../args.js';
import type { VideoOutputFormat } from '../io/video.js';
import { VideoClassificationDataset, type VideoDatasetOptions } from './video-dataset.js';
import type { VideoClips } from './video-clips.js';

export interface UCF101Options extends VideoDatasetOptions {
  /** The folder with the split lists (trainlist01.txt ...). */
  annotationPath: string;
  /** 1 (default), 2 or 3. */
  fold?: number;
  /** The train (default) or test list of the fold. */
  train?: boolean;
  /** 'THWC' (default) or 'TCHW'. */
  outputFormat?: VideoOutputFormat;
}

function readList(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${what}: cannot read the split file '${path}': ${(e as Error).message}`);
  }
}

export class UCF101 extends VideoClassificationDataset {
  readonly fold: number;
  readonly train: boolean;
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  readonly samples: [string, number][];
  /** The fold's videos (indices into samples). */
  readonly indices: number[];
  /** The clips of every video (the metadata covers them all). */
  readonly fullVideoClips: VideoClips;
  readonly videoClips: VideoClips;

  /** torchvision's order (root, annotationPath, framesPerClip, stepBetweenClips, frameRate, fold, train, transform), or an options object (root among them). */
  constructor(root: string, annotationPath: string, framesPerClip: number, ...rest: PyRest<UCF101Options, ['stepBetweenClips', 'frameRate', 'fold', 'train', 'transform']>);
  constructor(opts: UCF101Options);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<UCF101Options>(UCF101, args);
    super(opts);
    const fold = opts.fold ?? 1;
    if (!(fold >= 1 && fold <= 3) || !Number.isInteger(fold)) throw new RangeError(`fold should be between 1 and 3, got ${fold}`);
    if (typeof opts.annotationPath !== 'string') throw new TypeError('UCF101: the annotationPath option (the folder of the split lists) is required');
    this.fold = fold;
    this.train = opts.train ?? true;
    [this.classes, this.classToIdx] = findClasses(this.root);
    this.samples = makeDataset(this.root, this.classToIdx, { extensions: ['avi'] });
    const videoList = this.samples.map(([p]) => p);
    this.fullVideoClips = this.makeClips(videoList, opts, opts.outputFormat ?? 'THWC');
    this.indices = this.selectFold(videoList, opts.annotationPath, fold, this.train);
    this.videoClips = this.fullVideoClips.subset(this.indices);
  }

  private selectFold(videoList: string[], annotationPath: string, fold: number, train: boolean): number[] {
    const name = `${train ? 'train' : 'test'}list${String(fold).padStart(2, '0')}.txt`;
    const selected = new Set(readList(join(annotationPath, name), 'UCF101').split('\n')
      .map((l) => l.trim().split(' ')[0]!).filter((x) => x !== '')
      .map((x) => join(this.root, ...x.split('/'))));
    return videoList.flatMap((p, i) => (selected.has(p) ? [i] : []));
  }

  override get metadata() { return this.fullVideoClips.metadata; }

  protected label(videoIdx: number): number { return this.samples[this.indices[videoIdx]!]![1]; }
}

classArgs(UCF101, 'torchvision.datasets.UCF101', '; root, annotationPath, framesPerClip, stepBetweenClips, frameRate, fold, train, transform, *, precomputedMetadata, outputFormat, progress');
