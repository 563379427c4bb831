/**
 * Runs one step (a migration's `postgres`/`qdrant` half or `verify`) until it
 * settles, `signal` aborts, or `timeout` fires (which calls `onTimeout`,
 * expected to abort `signal`). An aborted step cannot be killed, only
 * abandoned: the tracking client refuses its further Qdrant writes and its
 * transaction is rolled back, so what it still does fails harmlessly.
 */
export async function runStep(
  run: () => Promise<void> | undefined,
  signal: AbortSignal,
  timeout?: { ms: number; onTimeout: () => void },
): Promise<void> {
  signal.throwIfAborted();
  let onAbort: () => void = () => {};
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  if (timeout) timer = setTimeout(timeout.onTimeout, timeout.ms);
  const running = Promise.resolve().then(run);
  // An abandoned step that fails later must not become an unhandled rejection.
  running.catch(() => {});
  try {
    await Promise.race([running, stopped]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}
