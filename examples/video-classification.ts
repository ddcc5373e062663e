// The chapter's closing exercise: video classification with the 3-D ResNets,
//
//   resnet_3d = models.video.r3d_18()
//   resnet_mixed_conv = models.video.mc3_18()
//
// run on a video file. The video is decoded (FFmpeg, frames equal to torchvision's read_video), cut into clips
// as the Kinetics-400 weights were evaluated (16 frames at 15 fps, 5 clips spread over the video), each clip
// preprocessed by the weights' VideoClassification preset, and each model's softmax averaged over the clips
// gives its top-5 Kinetics classes. A picture of the clips' first frames is written too.
//
//   npx tsx examples/video-classification.ts VIDEO [--r3d FILE] [--mc3 FILE] [--topk 5] [--out clips.png]
//
// --r3d / --mc3 name state-dict files saved by torchvision (r3d_18-b3b3357e.pth, mc3_18-a90a0ba3.pth); the
// default, DEFAULT, loads the published weights from $TORCH_HOME/hub/checkpoints (downloaded when online).
import { parseArgs } from 'node:util';
import * as torch from 'tstorch';
import * as vision from 'tstorch/vision';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    r3d: { type: 'string', default: 'DEFAULT' },
    mc3: { type: 'string', default: 'DEFAULT' },
    topk: { type: 'string', default: '5' },
    out: { type: 'string', default: 'video-clips.png' },
  },
});
if (positionals.length !== 1) {
  console.error('video-classification: name one video file');
  process.exit(1);
}
const [path] = positionals as [string];
const video = vision.models.video;

// 1. The video: its frame timestamps, then every clip of 16 frames at 15 fps (torchvision's VideoClips).
const weights = video.R3D_18_Weights.DEFAULT;
const sampling = video.clipSampling(weights); // { clipLen: 16, frameRate: 15, clipsPerVideo: 5 }
const clips = new vision.datasets.VideoClips([path], { clipLengthInFrames: sampling.clipLen, frameRate: sampling.frameRate, progress: false });
const [, fps] = vision.io.readVideoTimestamps(path);
console.log(`${path}: ${clips.videoPts[0]!.length} frames at ${fps} fps, ${clips.numClips()} clips of ${sampling.clipLen} frames at ${sampling.frameRate} fps`);
if (clips.numClips() === 0) {
  console.error('video-classification: the video is too short for one clip');
  process.exit(1);
}

// 2. The clips to score: spread uniformly over the video, as torchvision's UniformClipSampler picks them.
const n = clips.numClips();
const picked = Array.from({ length: sampling.clipsPerVideo }, (_, i) => Math.floor((i * (n - 1)) / Math.max(sampling.clipsPerVideo - 1, 1)));
const frames = picked.map((i) => clips.getClip(i)[0].permute(0, 3, 1, 2)); // [T, C, H, W] uint8
const preprocess = weights.transforms(); // resize 128x171, centre crop 112, normalise, to [C, T, H, W]
const batch = torch.stack(frames.map((f) => preprocess.call(f)));
console.log(`input: ${batch.shape.join(' x ')} (clips, channels, frames, height, width)`);

// 3. The two networks of the chapter, and their top-k classes.
const categories = weights.meta.categories!;
const k = Number(args.topk);
for (const [name, build, w] of [
  ['r3d_18', video.r3d_18, args.r3d], ['mc3_18', video.mc3_18, args.mc3],
] as const) {
  let model: torch.nn.Module;
  try {
    model = build({ weights: w });
  } catch (e) {
    console.error(`video-classification: no weights for ${name}: ${(e as Error).message.split('\n')[0]}`);
    console.error(`Offline, pass --${name.slice(0, 3)} FILE (a ${name} state dict saved by torchvision).`);
    process.exit(1);
  }
  console.log(`\n${name}: ${model.numParameters().toLocaleString('en')} parameters`);
  const probs = torch.inferenceMode(() => (model.eval().call(batch) as torch.Tensor).softmax(1).mean(0));
  const { values, indices } = probs.topk(k);
  const v = values.toArray() as number[], ix = indices.toArray() as number[];
  v.forEach((p, j) => console.log(`  ${(100 * p).toFixed(2).padStart(6)} %  ${categories[Number(ix[j])]}`));
}

// 4. A picture of the scored clips: their first, middle and last frames, one clip per row.
const shown = frames.flatMap((f) => [0, Math.floor(f.shape[0]! / 2), f.shape[0]! - 1].map((t) => f.select(0, t)));
await vision.utils.saveImage(torch.stack(shown).to('float32').div(255), args.out!, { nrow: 3 });
console.log(`\nthe ${frames.length} clips' first, middle and last frames: ${args.out}`);
