// torchvision.datasets.Kinetics: root/<split>/<class>/<video>.{avi,mp4} (Kinetics-400/600/700), every clip of
// framesPerClip frames. Samples are [frames [T, C, H, W] uint8 (outputFormat 'TCHW', torchvision's default
// here), audio, class index].
import { join } from 'node:path';
import { findClasses, makeDataset } from './folder.js';
import { datasetOptions } from './vision-dataset.js';
import { classArgs, type PyRest } from '../../args.js';
import type { VideoOutputFormat } from '../io/video.js';
import { VideoClassificationDataset, type VideoDatasetOptions } from './video-dataset.js';
import type { VideoClips } from './video-clips.js';

export interface KineticsOptions extends VideoDatasetOptions {
  /** '400' (default), '600' or '700': which Kinetics (only recorded; the folder decides the classes). */
  numClasses?: '400' | '600' | '700';
  /** 'train' (default), 'val' or 'test': the sub-folder of root. */
  split?: 'train' | 'val' | 'test';
  /** Default ['avi', 'mp4']. */
  extensions?: readonly string[];
  /** 'TCHW' (default) or 'THWC'. */
  outputFormat?: VideoOutputFormat;
}

export class Kinetics extends VideoClassificationDataset {
  readonly numClasses: '400' | '600' | '700';
  readonly split: 'train' | 'val' | 'test';
  readonly splitFolder: string;
  readonly extensions: readonly string[];
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  readonly samples: [string, number][];
  readonly videoClips: VideoClips;

  /** torchvision's order (root, framesPerClip, numClasses, split, frameRate, stepBetweenClips, transform, extensions), or an options object (root among them). */
  constructor(root: string, framesPerClip: number, ...rest: PyRest<KineticsOptions, ['numClasses', 'split', 'frameRate', 'stepBetweenClips', 'transform', 'extensions']>);
  constructor(opts: KineticsOptions);
  constructor(...args: unknown[]) {
    const opts = datasetOptions<KineticsOptions>(Kinetics, args);
    super(opts);
    const numClasses = opts.numClasses ?? '400';
    if (!['400', '600', '700'].includes(numClasses)) throw new RangeError(`Unknown value '${numClasses}' for argument num_classes. Valid values are {'400', '600', '700'}.`);
    const split = opts.split ?? 'train';
    if (!['train', 'val', 'test'].includes(split)) throw new RangeError(`Unknown value '${split}' for argument split. Valid values are {'train', 'val', 'test'}.`);
    this.numClasses = numClasses;
    this.split = split;
    this.splitFolder = join(this.root, split);
    // torchvision's extensions are suffixes without the dot ("avi"), matched with str.endswith
    this.extensions = opts.extensions ?? ['avi', 'mp4'];
    [this.classes, this.classToIdx] = findClasses(this.splitFolder);
    this.samples = makeDataset(this.splitFolder, this.classToIdx, { extensions: this.extensions });
    this.videoClips = this.makeClips(this.samples.map(([p]) => p), opts, opts.outputFormat ?? 'TCHW');
  }

  protected label(videoIdx: number): number { return this.samples[videoIdx]![1]; }
}

classArgs(Kinetics, 'torchvision.datasets.Kinetics', '; root, framesPerClip, numClasses, split, frameRate, stepBetweenClips, transform, extensions, *, precomputedMetadata, outputFormat, progress');
