// `torch.distributed.algorithms`
export { Join, type JoinHook, type Joinable, type JoinConfig } from './join.js';
