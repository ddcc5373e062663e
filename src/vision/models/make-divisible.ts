// torchvision's _make_divisible (from the original TensorFlow MobileNet code): channel counts rounded to a
// multiple of the divisor, never more than 10% below the requested value.

export function makeDivisible(v: number, divisor: number, minValue: number | null = null): number {
  const min = minValue ?? divisor;
  // Python's int(v + divisor / 2) // divisor * divisor, for positive v
  let newV = Math.max(min, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (newV < 0.9 * v) newV += divisor;
  return newV;
}
