// The PyTorch definition of the chapter's LeNet (bench/pytorch/lenet_net.py), as Python source to prepend to
// runPython code: `PY_LENET + "net = Net()"`.
import { readFileSync } from 'node:fs';

export const PY_LENET = readFileSync(new URL('../../bench/pytorch/lenet_net.py', import.meta.url), 'utf8');
