// torch.jit.save / torch.jit.load: TorchScript archives, the files Python's torch.jit.save writes and
// torch.jit.load reads.
//
// Loading a TorchScript file RUNS ITS CODE: an archive's methods are programs, and calling the loaded
// module executes them (file access and process control are reachable from TorchScript). Load TorchScript only
// from sources you trust. For weights, torch.load (a state dict) is the safe path: its unpickler builds tensors
// and containers and refuses everything else.
import { readFileSync } from 'node:fs';
import { jitNative as J } from './native.js';
import { ScriptModule } from './script-module.js';
import { bindOwn, registerSignature } from '../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(load, 'load', 'torch.jit.load', 'f');
registerSignature(save, 'save', 'torch.jit.save', 'm, f');

/** Writes a ScriptModule as a TorchScript archive (Python's torch.jit.save), atomically. */
export function save(module: ScriptModule, path: string): void {
  [module, path] = bindOwn(save, arguments) as Parameters<typeof save>;
  if (!(module instanceof ScriptModule)) {
    throw new TypeError('torch.jit.save: expected a ScriptModule (make one with torch.jit.trace); for a state dict use torch.save');
  }
  module.save(path);
}

/**
 * Loads a TorchScript archive written by Python's torch.jit.save (scripted or traced) or by tstorch. This runs
 * the file's code when its methods are called: load only files you trust (torch.load is the safe path for weights).
 */
export function load(path: string): ScriptModule {
  [path] = bindOwn(load, arguments) as Parameters<typeof load>;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`torch.jit.load: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return new ScriptModule(J.jitLoad(bytes));
  } catch (e) {
    throw new Error(`torch.jit.load: ${path} is not a TorchScript archive libtorch can load: ${(e as Error).message}`);
  }
}
