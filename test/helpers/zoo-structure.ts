// The structure (state-dict keys, shapes, parameter count) of large torchvision models, without paying for
// their initialisation: torch.nn.init's functions are replaced by no-ops for the duration, and torch.empty
// does not touch the memory, so even a 600M-parameter model costs little on the Python side.
import type { RefResult } from './zoo.js';
import { runPython } from './pytorch.js';

const CODE = String.raw`
import torch.nn.init as I
for f in ['normal_', 'uniform_', 'kaiming_uniform_', 'kaiming_normal_', 'trunc_normal_', 'ones_', 'zeros_', 'constant_']:
    setattr(I, f, lambda t, *a, **k: t)
res = {}
for n in J:
    m = getattr(torchvision.models, n)()
    sd = m.state_dict()
    res[n] = {'keys': list(sd.keys()), 'shapes': [list(v.shape) for v in sd.values()],
              'numParams': sum(p.numel() for p in m.parameters())}
    del m, sd
OUT_J = res
`;

export function torchvisionStructure(names: string[]): Record<string, RefResult> {
  if (names.length === 0) return {};
  return runPython(CODE, { json: names }, { timeoutMs: 300_000 }).json as Record<string, RefResult>;
}

/** Models over ~60M parameters take tens of seconds to initialise in each language: opt-in. */
export const HEAVY_TESTS = process.env.TSTORCH_HEAVY_TESTS === '1';
