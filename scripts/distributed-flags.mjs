// Compiler flags for torch.distributed (src/native/distributed.cc), from the `distributed` entry that
// build-addon.mjs writes into .tstorch-build/libtorch.json.
//   gloo: libtorch has c10d with Gloo and Gloo's headers are installed: compile the distributed part
//         (USE_C10D_GLOO makes ProcessGroupGloo.hpp declare its classes).
//   contextStandIn: libtorch lacks torch/csrc/distributed/autograd/context/context.h (Debian's libtorch-dev),
//         which reducer.hpp includes: put src/native/compat on the include path for the stand-in.
import { fileURLToPath } from 'node:url';

export const CONTEXT_STAND_IN = 'src/native/compat/torch/csrc/distributed/autograd/context/context.h';
const compatDir = fileURLToPath(new URL('../src/native/compat', import.meta.url));

/** The flags of one kind ('defines' | 'include') for the distributed part. */
export function distributedFlags(cfg, what) {
  const d = cfg.distributed;
  if (!d || !d.gloo) return [];
  if (what === 'defines') return ['USE_C10D_GLOO', 'TSTORCH_HAVE_C10D_GLOO=1', ...(d.contextStandIn ? ['TSTORCH_C10D_CONTEXT_STAND_IN=1'] : [])];
  if (what === 'include') return d.contextStandIn ? [compatDir] : [];
  return [];
}
