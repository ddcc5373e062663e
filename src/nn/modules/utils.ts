// Expanding a size argument given as one number to one number per spatial dimension (PyTorch's _pair etc.).

export type IntOrPair = number | readonly number[];

export function ntuple(v: IntOrPair, n: number, what: string): number[] {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new TypeError(`${what} must be an integer or a list of ${n} integers, got ${v}`);
    return Array(n).fill(v);
  }
  if (!Array.isArray(v) || v.length !== n || v.some((x) => !Number.isInteger(x))) {
    throw new TypeError(`${what} must be an integer or a list of ${n} integers, got ${JSON.stringify(v)}`);
  }
  return [...v];
}

export const pair = (v: IntOrPair, what: string): number[] => ntuple(v, 2, what);
export const single = (v: IntOrPair, what: string): number[] => ntuple(v, 1, what);
