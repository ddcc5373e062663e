// torch.distributed.ReduceOp: the reduction of allReduce, reduce and reduceScatter. The codes are c10d's
// RedOpType. Gloo implements SUM, PRODUCT, MIN, MAX, BAND, BOR, BXOR; AVG is for NCCL (Gloo refuses it with
// c10d's own error, as in PyTorch).
export class ReduceOp {
  static readonly SUM = new ReduceOp('SUM', 0);
  static readonly AVG = new ReduceOp('AVG', 1);
  static readonly PRODUCT = new ReduceOp('PRODUCT', 2);
  static readonly MIN = new ReduceOp('MIN', 3);
  static readonly MAX = new ReduceOp('MAX', 4);
  static readonly BAND = new ReduceOp('BAND', 5);
  static readonly BOR = new ReduceOp('BOR', 6);
  static readonly BXOR = new ReduceOp('BXOR', 7);

  private constructor(readonly name: string, readonly code: number) {}
  toString(): string { return `ReduceOp.${this.name}`; }

  /** A ReduceOp from itself or its name ('sum', 'SUM'); an error names anything else. */
  static of(op: ReduceOp | string | undefined, what: string): ReduceOp {
    if (op === undefined) return ReduceOp.SUM;
    if (op instanceof ReduceOp) return op;
    const found = (ReduceOp as unknown as Record<string, unknown>)[String(op).toUpperCase()];
    if (found instanceof ReduceOp) return found;
    throw new TypeError(`${what}: unknown reduce op ${JSON.stringify(op)} (expected ReduceOp.SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR or BXOR)`);
  }
}
