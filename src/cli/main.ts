#!/usr/bin/env node
// `tstorch <command>`: the command-line tool that ships with the package. Each command lives in
// src/cli/commands/<name>.ts and exports `help` and `run(argv)`.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from './errors.js';

interface Command {
  help: string;
  run(argv: string[]): void | Promise<void>;
  /** Where the command's own options end (`tstorch run`: at the worker's script); --help after it is not ours. */
  optionsEnd?(argv: string[]): number;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  doctor: { summary: 'report the linked libtorch, CUDA, CPU kernels, threads', load: () => import('./commands/doctor.js') },
  train: { summary: 'train a model (lenet or a zoo architecture) on CIFAR-10/100 or (Fashion-)MNIST', load: () => import('./commands/train.js') },
  evaluate: { summary: 'accuracy, per-class accuracy and confusion matrix of a checkpoint on a test set', load: () => import('./commands/evaluate.js') },
  models: { summary: 'list the zoo architectures with parameters, GFLOPS and weights', load: () => import('./commands/models.js') },
  summary: { summary: "a model's layers, output shapes and parameter counts", load: () => import('./commands/summary.js') },
  finetune: { summary: 'fine-tune a zoo model on an image folder (transfer learning)', load: () => import('./commands/finetune.js') },
  predict: { summary: 'top-k classes of images with a zoo model or a fine-tuned checkpoint', load: () => import('./commands/predict.js') },
  flow: { summary: 'optical flow between two frames with RAFT, as a picture', load: () => import('./commands/flow.js') },
  segment: { summary: 'colour the classes of each pixel of photos with a segmentation model (DeepLabV3, FCN, LR-ASPP)', load: () => import('./commands/segment.js') },
  run: { summary: "launch a distributed job: N workers per node with torchrun's environment (torchrun's twin)", load: () => import('./commands/run.js') },
  // OMP_WAIT_POLICY is read once, when the addon loads libgomp, so it is set before the import (see serve.ts's help).
  serve: { summary: 'serve models over HTTP (TorchServe\'s inference API) with dynamic batching', load: () => { process.env.OMP_WAIT_POLICY ??= 'passive'; return import('./commands/serve.js'); } },
  detect: { summary: 'boxes, masks and keypoints of images with a detection model (annotated PNGs, COCO results JSON)', load: () => import('./commands/detect.js') },
};

/** The top-level help. New commands are added to COMMANDS above. */
export function usage(): string {
  const lines = ['Usage: tstorch <command> [options]', '', 'Commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', "Run 'tstorch <command> --help' for a command's options.");
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const entry = COMMANDS[name];
  try {
    if (!entry) throw new UserError(`unknown command '${name}'\n\n${usage()}`);
    const cmd = await entry.load();
    const own = cmd.optionsEnd ? rest.slice(0, cmd.optionsEnd(rest)) : rest;
    if (own.includes('--help') || own.includes('-h')) {
      console.log(cmd.help);
      return 0;
    }
    await cmd.run(rest);
    return 0;
  } catch (e) {
    const line = userFacing(e);
    if (line !== null) {
      console.error(`tstorch: ${line}`);
      return 1;
    }
    throw e;
  }
}

// Errors about the user's files and folders: one line and exit code 1, like a UserError, wherever they come from
// (a checkpoint that will not load, an image that will not decode, a path the system refuses). Anything else is
// a bug in tstorch and keeps its stack trace.
const FILE_ERRORS = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS', 'ENOSPC', 'EEXIST', 'ELOOP', 'ENAMETOOLONG', 'EMFILE', 'EDQUOT']);
function userFacing(e: unknown): string | null {
  if (e instanceof UserError) return e.message;
  if (!(e instanceof Error)) return null;
  if (['SerializationError', 'ImageDecodeError', 'DecompressionBombError', 'TruncatedImageError', 'UnidentifiedImageError'].includes(e.name)) return e.message;
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== undefined && FILE_ERRORS.has(code)) return e.message;
  return null;
}

// npm links bin entries (node_modules/.bin/tstorch -> dist/cli/main.js): compare real paths.
function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exitCode = 2;
  });
}
