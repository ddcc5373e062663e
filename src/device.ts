// torch.device: where a tensor lives. `x.device` is a Device; `torch.device('cpu')` makes one. Devices are
// interned (one object per device), so `x.device === torch.device('cpu')` compares as Python's `==`. Every
// function that takes a device also takes its string ('cpu', 'cuda', 'cuda:1').
import { inspect } from 'node:util';

export type DeviceType = 'cpu' | 'cuda' | 'mps' | 'meta';
/** A device, or its string: what every `device` argument accepts. */
export type DeviceLike = Device | DeviceType | `${DeviceType}:${number}` | string;

const DEVICE_RE = /^(cpu|cuda|mps|meta)(?::(\d+))?$/;
const interned = new Map<string, Device>();

/** torch.device. `String(d)` is PyTorch's str ('cpu', 'cuda:0'); printing shows its repr (device(type='cpu')). */
export class Device {
  readonly type: DeviceType;
  /** The device's ordinal, or null when none was given (torch.device('cuda') means the current CUDA device). */
  readonly index: number | null;
  /** @internal use torch.device(...) */
  constructor(type: DeviceType, index: number | null) {
    this.type = type;
    this.index = index;
    Object.freeze(this);
  }
  toString(): string { return this.index === null ? this.type : `${this.type}:${this.index}`; }
  toJSON(): string { return this.toString(); }
  [inspect.custom](): string {
    return this.index === null ? `device(type='${this.type}')` : `device(type='${this.type}', index=${this.index})`;
  }
}

/**
 * torch.device('cpu'), torch.device('cuda:1'), torch.device('cuda', 1), or a Device (returned as it is). An
 * unknown device is an error naming it.
 */
export function device(spec: DeviceLike, index?: number): Device {
  if (spec instanceof Device) {
    if (index !== undefined) throw new TypeError('device(): an index can only follow a device type string');
    return spec;
  }
  if (typeof spec !== 'string') throw new TypeError(`device(): expected a device string such as 'cpu' or 'cuda:0', got ${typeof spec}`);
  const m = DEVICE_RE.exec(spec.trim());
  if (m === null) throw new TypeError(`unknown device '${spec}': expected 'cpu', 'cuda', 'cuda:N', 'mps' or 'meta'`);
  if (index !== undefined) {
    if (m[2] !== undefined) throw new TypeError(`device(): type (string) must not include an index because index was passed explicitly: ${spec}`);
    if (!Number.isInteger(index) || index < 0) throw new RangeError(`device(): the index must be a non-negative integer, got ${index}`);
  }
  const idx = index ?? (m[2] === undefined ? null : Number(m[2]));
  const key = idx === null ? m[1]! : `${m[1]}:${idx}`;
  let d = interned.get(key);
  if (d === undefined) {
    d = new Device(m[1] as DeviceType, idx);
    interned.set(key, d);
  }
  return d;
}

/** Whether a string names a device (rather than a dtype), for `.to('cuda')` / `.to('float64')`. */
export function isDeviceString(s: string): boolean {
  return DEVICE_RE.test(s.trim());
}
