// Which models a server serves, as the command line names them:
//   resnet18                        the architecture with its DEFAULT published weights, served as 'resnet18'
//   ants=runs/ants/best.pth         a checkpoint; the architecture from the run's config.json beside it (or the name)
//   r18=resnet18:IMAGENET1K_V1      an architecture with named weights (a published name, a file, or 'none')
//   r18@2.0=resnet18:ckpt.pth       a version other than TorchServe's default '1.0'
import { listModels } from '../models/registry.js';
import '../models/index.js';
import { isWeightsFile } from '../../train/pretrained.js';
import { configBeside } from '../../train/run-dir.js';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(parseModelSpec, 'parseModelSpec', 'tstorch.vision.serve.parseModelSpec', 'spec');

export interface ModelSpec {
  /** The name clients use: POST /predictions/{name}. */
  name: string;
  /** TorchServe's model version ('1.0' unless given). */
  version: string;
  /** The zoo architecture ('resnet18'). */
  arch: string;
  /** A published weights name ('DEFAULT', 'IMAGENET1K_V1'), a checkpoint file, or 'none' (random initialisation). */
  weights: string;
}

export const DEFAULT_VERSION = '1.0';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export class ModelSpecError extends Error {
  override name = 'ModelSpecError';
}

function checkName(what: string, v: string, spec: string): void {
  if (!NAME_RE.test(v)) throw new ModelSpecError(`model '${spec}': the ${what} '${v}' must be letters, digits, '_', '.' or '-'`);
}

function archOfFile(file: string, name: string, spec: string): string {
  let cfg;
  try {
    cfg = configBeside(file);
  } catch (e) {
    throw new ModelSpecError(`model '${spec}': cannot read the config.json beside ${file}: ${(e as Error).message}`);
  }
  if (cfg && typeof cfg.model === 'string') {
    if (!listModels().includes(cfg.model)) throw new ModelSpecError(`model '${spec}': config.json beside ${file} names the architecture '${cfg.model}', which tstorch does not know`);
    return cfg.model;
  }
  if (listModels().includes(name)) return name;
  throw new ModelSpecError(`model '${spec}': cannot tell the architecture of ${file} (no config.json with 'model' beside it, and '${name}' is not an architecture); write ${name}=ARCH:${file}`);
}

/** Parses one command-line model argument (see the header for the forms). */
export function parseModelSpec(spec: string): ModelSpec {
  [spec] = bindOwn(parseModelSpec, arguments) as Parameters<typeof parseModelSpec>;
  const eq = spec.indexOf('=');
  const left = eq < 0 ? spec : spec.slice(0, eq);
  const right = eq < 0 ? null : spec.slice(eq + 1);
  const at = left.indexOf('@');
  const name = at < 0 ? left : left.slice(0, at);
  const version = at < 0 ? DEFAULT_VERSION : left.slice(at + 1);
  checkName('name', name, spec);
  checkName('version', version, spec);
  if (right === null || right === '') {
    if (right === '') throw new ModelSpecError(`model '${spec}': nothing after '='; write ${name}=WEIGHTS or ${name}=ARCH:WEIGHTS`);
    if (!listModels().includes(name)) throw new ModelSpecError(`model '${spec}': '${name}' is not an architecture (see 'tstorch models'); write NAME=ARCH:WEIGHTS or NAME=CHECKPOINT`);
    return { name, version, arch: name, weights: 'DEFAULT' };
  }
  const colon = right.indexOf(':');
  if (colon > 0 && listModels().includes(right.slice(0, colon))) {
    const weights = right.slice(colon + 1);
    if (weights === '') throw new ModelSpecError(`model '${spec}': no weights after '${right.slice(0, colon)}:'`);
    return { name, version, arch: right.slice(0, colon), weights };
  }
  if (listModels().includes(right)) return { name, version, arch: right, weights: 'DEFAULT' };
  if (isWeightsFile(right)) return { name, version, arch: archOfFile(right, name, spec), weights: right };
  if (listModels().includes(name)) return { name, version, arch: name, weights: right };
  throw new ModelSpecError(`model '${spec}': '${right}' is neither a checkpoint file nor an architecture, and '${name}' is not an architecture`);
}

/** The key of a model version in maps and metrics. */
export const specKey = (s: { name: string; version: string }): string => `${s.name}@${s.version}`;
