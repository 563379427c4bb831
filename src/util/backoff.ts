/**
 * The delay before retry number `attempt` (1 for the first retry): doubling
 * from `baseDelayMs`, capped at `maxDelayMs`, with "equal jitter" (a random
 * point in the upper half), so many processes started together spread out
 * instead of retrying in lockstep.
 */
export function backoffDelay(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
