// Python's text for values in a module's extra_repr, so that printed models read exactly as PyTorch prints them.

/** Python's repr of a float: shortest round-trip digits, '.0' on integers, exponent form outside [1e-4, 1e16). */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = v.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const s = String(v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

export function pyBool(v: boolean): string {
  return v ? 'True' : 'False';
}

/** A number as Python shows an int (integers) or a float (anything else). */
export function pyNum(v: number): string {
  return Number.isInteger(v) ? String(v) : pyFloat(v);
}

/** Python's repr of an int, float-less tuple, None or string as str.format prints it in extra_repr. */
export function pyValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return pyBool(v);
  if (typeof v === 'number') return pyNum(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${pyValue(v[0])},)` : `(${v.map(pyValue).join(', ')})`;
  return String(v);
}
