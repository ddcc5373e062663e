// Access to ATen operators by their schema name ("aten::add.Tensor"). The operator is looked up in
// libtorch's dispatcher on first use and called by id afterwards; arguments are positional in schema order,
// and `undefined` takes the schema's default.
import { native } from './binding.js';

export type OpFn = (...args: unknown[]) => any;

const cache = new Map<string, OpFn>();

export function op(qualified: string): OpFn {
  let fn = cache.get(qualified);
  if (fn) return fn;
  const dot = qualified.indexOf('.', qualified.indexOf('::') + 2);
  const name = dot < 0 ? qualified : qualified.slice(0, dot);
  const overload = dot < 0 ? '' : qualified.slice(dot + 1);
  let id = -1;
  fn = (...args: unknown[]) => {
    if (id < 0) id = native.opHandle(name, overload);
    return native.call(id, ...args);
  };
  cache.set(qualified, fn);
  return fn;
}

/** The schema of an operator, as libtorch prints it (for error messages and documentation). */
export function schemaOf(qualified: string): string {
  const dot = qualified.indexOf('.', qualified.indexOf('::') + 2);
  const name = dot < 0 ? qualified : qualified.slice(0, dot);
  const overload = dot < 0 ? '' : qualified.slice(dot + 1);
  return native.opSchema(native.opHandle(name, overload));
}
