// torch.distributed's Work: the handle of an asynchronous collective (asyncOp: true, isend, irecv). `wait()`
// is awaitable: it waits on a thread of its own, so the event loop keeps running; `waitSync()` blocks like
// Python's work.wait(). Both are bounded by the group's timeout and fail with an error that names the
// collective, the group and this rank.
import { Tensor, wrap } from '../tensor.js';
import { dist, type WorkHandle } from './native.js';
import { bindOwn, classArgs } from '../args.js';

export class Work {
  /** @internal */
  readonly _h: WorkHandle;
  /** What was issued, for error messages: "allReduce on group 0 (rank 1 of 2)". */
  readonly description: string;
  /** Tensors the collective writes; kept referenced until it completes. */
  private readonly keep: unknown;
  private readonly after: (() => void) | undefined;
  private readonly explain: (message: string) => string;
  private settled = false;

  /** @internal */
  constructor(h: WorkHandle, description: string, keep?: unknown, after?: () => void, explain?: (message: string) => string) {
    [h, description, keep, after, explain] = bindOwn(Work, arguments) as ConstructorParameters<typeof Work>;
    this._h = h;
    this.description = description;
    this.keep = keep;
    this.after = after;
    this.explain = explain ?? ((m) => m);
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.after?.();
  }

  private fail(e: unknown): never {
    throw new DistributedError(`${this.description} failed: ${this.explain((e as Error).message)}`);
  }

  /** Resolves to true when the collective completed; rejects with the collective's error. */
  async wait(): Promise<boolean> {
    try {
      const ok = await dist().distWorkWaitAsync(this._h);
      this.finish();
      return ok;
    } catch (e) {
      this.fail(e);
    }
  }

  /** Blocks this thread until the collective completed (Python's work.wait()). */
  waitSync(): boolean {
    try {
      const ok = dist().distWorkWait(this._h);
      this.finish();
      return ok;
    } catch (e) {
      this.fail(e);
    }
  }

  isCompleted(): boolean { return dist().distWorkIsCompleted(this._h); }
  /** The rank a recv from any source received from. */
  sourceRank(): number { return dist().distWorkSourceRank(this._h); }
  /** The output tensors of the collective. */
  result(): Tensor[] { return dist().distWorkResult(this._h).map((h) => wrap(h)); }
  /** @internal keeps `keep` referenced (the tensors the collective reads and writes) while the Work lives. */
  get kept(): unknown { return this.keep; }
}
classArgs(Work, 'tstorch.distributed.Work', 'h:dict, description, keep?:dict, after?, explain?');

/** A collective, store or rendezvous failure: the message names the operation, the group and the rank. */
export class DistributedError extends Error {
  override name = 'DistributedError';
  constructor(message?: string, options?: ErrorOptions) {
    [message, options] = bindOwn(DistributedError, arguments) as [typeof message, typeof options];
    super(message, options);
  }
}
classArgs(DistributedError, 'torch.distributed.DistBackendError', 'message?; *, cause'); // Error(message, { cause })
