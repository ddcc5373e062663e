// torch.distributed's ProcessGroup: a group of ranks on libtorch's ProcessGroupGloo (or the ProcessGroupWrapper
// around it under TORCH_DISTRIBUTED_DEBUG=DETAIL). Created by initProcessGroup and newGroup; the collectives
// of distributed-c10d.ts take one as `group`.
import { dist, type GroupHandle } from './native.js';
import { bindOwn, classArgs } from '../args.js';

export class ProcessGroup {
  /** @internal */
  readonly _h: GroupHandle;
  /** The group's name: its store prefix ("0" for the default group, "1", "2"... for newGroup's). */
  readonly groupName: string;
  private readonly info: { rank: number; size: number; backend: string };

  /** @internal */
  constructor(h: GroupHandle, groupName: string) {
    [h, groupName] = bindOwn(ProcessGroup, arguments) as ConstructorParameters<typeof ProcessGroup>;
    this._h = h;
    this.groupName = groupName;
    this.info = dist().distGroupInfo(h);
  }

  /** This process's rank in the group. */
  rank(): number { return this.info.rank; }
  size(): number { return this.info.size; }
  /** c10d's backend name ('gloo'). */
  name(): string { return this.info.backend; }
  /** The group's collective sequence number (the same on every rank while they are in step). */
  sequenceNumber(): number { return dist().distGroupSequenceNumber(this._h); }
  toString(): string { return `ProcessGroup(${this.groupName}: rank ${this.info.rank} of ${this.info.size}, ${this.info.backend})`; }
}
classArgs(ProcessGroup, 'tstorch.distributed.ProcessGroup', 'h:dict, groupName');

/** A group this process is not a member of (Python's GroupMember.NON_GROUP_MEMBER). */
// An instance of its own class, not a plain object: the argument binder (src/args.ts) reads a trailing plain object
// as the options object, and getRank(NON_GROUP_MEMBER) passes the sentinel as the group.
class NonGroupMember {
  readonly nonGroupMember = true as const;
  toString(): string { return 'NON_GROUP_MEMBER'; }
}
export const NON_GROUP_MEMBER = Object.freeze(new NonGroupMember());
export type GroupArg = ProcessGroup | typeof NON_GROUP_MEMBER | null | undefined;
