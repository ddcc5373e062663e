// torch.distributed.algorithms.Join: training with uneven inputs. Ranks that run out of data keep
// "shadowing" the collectives of the ranks still training (each Joinable's join hook) until every rank has
// joined; then the hooks' post_hook runs (DDP: broadcast the final model from the last joiner). Python's
// context manager is `run(fn)` here: `join.run(() => { for (...) step(); })`, or an async fn.
import { ones, zeros } from '../../creation.js';
import { allReduce, getRank } from '../distributed-c10d.js';
import type { ProcessGroup } from '../process-group.js';
import type { Work } from '../work.js';
import { bindOwn, classArgs, type PyRest } from '../../args.js';

export interface JoinHook {
  /** Called repeatedly while some rank has not joined: issues the collectives a training step would. */
  mainHook(): void;
  /** Called once every rank has joined. */
  postHook(isLastJoiner: boolean): void;
}

export interface JoinConfig {
  enable: boolean;
  throwOnEarlyTermination: boolean;
  isFirstJoinable: boolean;
}

export const DISABLED_JOIN_CONFIG: JoinConfig = Object.freeze({ enable: false, throwOnEarlyTermination: false, isFirstJoinable: false });

export interface Joinable {
  joinConfig: JoinConfig;
  joinHook(opts: Record<string, unknown>): JoinHook;
  readonly joinDevice: string;
  readonly joinProcessGroup: ProcessGroup;
}

export class Join {
  private readonly joinables: Joinable[];
  private readonly hooks: JoinHook[];
  private readonly enable: boolean;
  private readonly throwOnEarlyTermination: boolean;
  private readonly processGroup: ProcessGroup;
  private readonly rank: number;

  constructor(joinables: Joinable[], ...rest: PyRest<{ enable?: boolean; throwOnEarlyTermination?: boolean } & Record<string, unknown>, ['enable', 'throwOnEarlyTermination']>);
  constructor(...args: unknown[]) {
    const [joinables, opts = {}] = bindOwn(Join, args) as [Joinable[], ({ enable?: boolean; throwOnEarlyTermination?: boolean } & Record<string, unknown>)?];
    if (joinables.length === 0) throw new RangeError('The join context manager requires at least one joinable');
    const { enable, throwOnEarlyTermination, ...hookOpts } = opts;
    this.joinables = joinables;
    this.hooks = joinables.map((j) => j.joinHook(hookOpts));
    this.enable = enable ?? true;
    this.throwOnEarlyTermination = throwOnEarlyTermination ?? false;
    joinables.forEach((j, i) => {
      j.joinConfig = { enable: this.enable, throwOnEarlyTermination: this.throwOnEarlyTermination, isFirstJoinable: i === 0 };
    });
    const pg = joinables[0]!.joinProcessGroup;
    for (const j of joinables) {
      if (j.joinProcessGroup !== pg) throw new RangeError('Using join context manager with multiple process groups');
    }
    this.processGroup = pg;
    this.rank = getRank(pg);
  }

  /** Runs `fn` (the training loop) and then the join protocol; an error from `fn` propagates without it. */
  run<T>(fn: () => T): T {
    const out = fn();
    if (out instanceof Promise) return out.then((v) => { this.exit(); return v; }) as T;
    this.exit();
    return out;
  }

  private exit(): void {
    if (!this.enable) return;
    let allJoined = false;
    let isLastJoiner = true;
    let i = 0;
    const WARN_THRESHOLD = 1000;
    let warned = false;
    while (!allJoined) {
      if (i > WARN_THRESHOLD && !warned) {
        warned = true;
        process.emitWarning(`Detected uneven input skew of greater than ${WARN_THRESHOLD}. This means that rank ${this.rank} has at least `
          + `${WARN_THRESHOLD} fewer inputs than other currently-active ranks. This level of skew could lead to performance degradation during training.`);
      }
      if (this.numNonjoinedProcs() === 0) {
        allJoined = true;
      } else {
        if (this.throwOnEarlyTermination) this.notifyProcsToTerminate();
        for (const h of this.hooks) h.mainHook();
        isLastJoiner = false;
        i++;
      }
    }
    for (const h of this.hooks) h.postHook(isLastJoiner);
  }

  private numNonjoinedProcs(): number {
    const t = zeros([1]);
    allReduce(t, { group: this.processGroup });
    return t.item();
  }

  private notifyProcsToTerminate(): never {
    allReduce(ones([1]), { group: this.processGroup });
    throw new Error(`Rank ${this.rank} exhausted all inputs.`);
  }

  /**
   * Called by the first Joinable at the start of each step of a rank that has not joined: an allreduce of
   * one, which the joined ranks' allreduce of zero (numNonjoinedProcs) meets.
   */
  static notifyJoinContext(joinable: Joinable): Work | null {
    const cfg = joinable.joinConfig;
    if (!cfg.isFirstJoinable || !cfg.enable) return null;
    const work = allReduce(ones([1]), { group: joinable.joinProcessGroup, asyncOp: true });
    if (cfg.throwOnEarlyTermination) {
      const z = zeros([1]);
      allReduce(z, { group: joinable.joinProcessGroup });
      if (z.item()) throw new Error('Detected at least one rank that exhausted inputs. Throwing across all ranks.');
    }
    return work;
  }
}
// The hooks' keyword arguments (Python's **kwargs) are keyword-only: DDP's divideByInitialWorldSize is the one a
// tstorch joinable reads; a joinable of your own reads its keys from the same options object.
// **kwargs: every other keyword goes to each joinable's join hook, as in Python (DDP's takes divideByInitialWorldSize)
classArgs(Join, 'torch.distributed.algorithms.Join', 'joinables; enable, throwOnEarlyTermination, **kwargs');
