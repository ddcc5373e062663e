// PyTorch's named tuples (torch.return_types.max, sort, topk ...): results that destructure as arrays,
// `const [values, indices] = torch.max(x, 1)`, and read by name, `torch.max(x, 1).indices`, as in Python.
import { inspect } from 'node:util';

/** A named tuple: an array whose elements are also properties by name, printed as PyTorch prints it. */
export type NamedTuple<N extends readonly string[], T> = { readonly [I in keyof N]: T } & { readonly [K in N[number]]: T };

/** `(values, indices)`: max, min, sort, topk, kthvalue, mode, median, cummax, cummin ... */
export type ValuesIndices<T> = NamedTuple<['values', 'indices'], T> & [values: T, indices: T];
/** `(min, max)`: aminmax. */
export type MinMax<T> = NamedTuple<['min', 'max'], T> & [min: T, max: T];

class ReturnTuple extends Array<unknown> {
  static override get [Symbol.species](): ArrayConstructor { return Array; }
}

/**
 * A named tuple of `values` with PyTorch's type name (`torch.return_types.max`) and field names. The array is
 * frozen, as a Python tuple is immutable. `repr` replaces the printed form where PyTorch's class defines its own.
 */
export function namedTuple<T, const N extends readonly string[]>(pyName: string, names: N, values: readonly T[], repr?: () => string): NamedTuple<N, T> & T[] {
  const t = new ReturnTuple();
  for (const v of values) t.push(v);
  names.forEach((n, i) => Object.defineProperty(t, n, { value: values[i], enumerable: false }));
  Object.defineProperty(t, inspect.custom, {
    value: (_depth: number, opts: object): string => repr?.() ??
      `torch.return_types.${pyName}(\n${names.map((n, i) => `${n}=${inspect(values[i], opts)}`).join(',\n')})`,
    enumerable: false,
  });
  Object.defineProperty(t, 'toString', { value: () => inspect(t), enumerable: false });
  return Object.freeze(t) as unknown as NamedTuple<N, T> & T[];
}
