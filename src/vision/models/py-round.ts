// Python 3's round() of a float to an integer, which torchvision's channel arithmetic relies on: halves go to
// the even neighbour (round(2.5) == 2), unlike Math.round.

export function pyRound(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d !== 0.5) return d > 0.5 ? f + 1 : f;
  return f % 2 === 0 ? f : f + 1;
}
