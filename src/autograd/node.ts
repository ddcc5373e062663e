// torch.autograd.graph.Node: the autograd node that made a tensor (`loss.gradFn`), with PyTorch's name(),
// nextFunctions and printing (`<NllLossBackward0 object at 0x...>`). A Node keeps its part of the graph alive
// as long as it is referenced, as the Python object does. Nodes are interned while alive, so
// `a.gradFn === b.gradFn` is Python's `a.grad_fn is b.grad_fn`.
import { inspect } from 'node:util';
import { py, type NodeHandle } from '../native/python-layer.js';
import { Tensor } from '../tensor.js';
import { bindOwn, classArgs } from '../args.js';

const live = new Map<string, WeakRef<Node>>();
const collected = new FinalizationRegistry<string>((address) => {
  if (live.get(address)?.deref() === undefined) live.delete(address);
});

export class Node {
  /** @internal */
  readonly _n: NodeHandle;
  /** @internal use tensor.gradFn */
  constructor(handle: NodeHandle) {
    [handle] = bindOwn(Node, arguments) as ConstructorParameters<typeof Node>;
    this._n = handle;
  }

  /** The node's class name, as PyTorch's `grad_fn.name()`: 'AddBackward0', 'AccumulateGrad' ... */
  name(): string { return py.nodeName(this._n); }

  /** The nodes this one passes gradients to, each with the input number it feeds (`next_functions`). */
  get nextFunctions(): [Node | null, number][] {
    return py.nodeNextFunctions(this._n).map(([n, i]) => [nodeOf(n), i]);
  }

  /** The leaf tensor an AccumulateGrad node accumulates into (AccumulateGrad.variable). */
  get variable(): Tensor {
    const h = py.nodeVariable(this._n);
    if (h === null) throw new TypeError(`'${this.name()}' object has no attribute 'variable' (only AccumulateGrad nodes have one)`);
    return new Tensor(h);
  }

  /** PyTorch's repr: the node's class name (AccumulateGrad, not torch::autograd::AccumulateGrad) and address. */
  toString(): string {
    const name = this.name();
    return `<${name.slice(name.lastIndexOf(':') + 1)} object at ${py.nodeAddress(this._n)}>`;
  }
  [inspect.custom](): string { return this.toString(); }
}
classArgs(Node, 'tstorch.autograd.Node', 'handle:dict');

/** The interned Node of a native node handle (null stays null). */
export function nodeOf(handle: NodeHandle | null): Node | null {
  if (handle === null) return null;
  const address = py.nodeAddress(handle);
  const found = live.get(address)?.deref();
  if (found !== undefined) return found;
  const n = new Node(handle);
  live.set(address, new WeakRef(n));
  collected.register(n, address);
  return n;
}
