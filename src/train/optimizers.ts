// Optimizers by name, for the CLI.
import * as torch from '../index.js';
import type { Optimizer } from '../optim/optimizer.js';

export const OPTIMIZERS = ['adam', 'adamw', 'sgd', 'rmsprop', 'adagrad'] as const;

export function makeOptimizer(name: string, params: Iterable<torch.Tensor>, o: { lr: number; momentum: number; weightDecay: number }): Optimizer {
  const p = [...params];
  switch (name) {
    case 'adam': return new torch.optim.Adam(p, { lr: o.lr, weightDecay: o.weightDecay });
    case 'adamw': return new torch.optim.AdamW(p, { lr: o.lr, weightDecay: o.weightDecay || 0.01 });
    case 'sgd': return new torch.optim.SGD(p, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
    case 'rmsprop': return new torch.optim.RMSprop(p, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
    case 'adagrad': return new torch.optim.Adagrad(p, { lr: o.lr, weightDecay: o.weightDecay });
    default: throw new Error(`unknown optimizer '${name}': expected one of ${OPTIMIZERS.join(', ')}`);
  }
}
