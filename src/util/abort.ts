import { QdrantMigrateError } from "../errors.js";

/** A wait or retry loop stopped because its AbortSignal fired (e.g. Ctrl-C). */
export class AbortedError extends QdrantMigrateError {
  constructor(
    readonly what: string,
    reason: unknown,
  ) {
    super("ABORTED", `Stopped ${what}: the operation was cancelled.`, { cause: reason });
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new AbortedError(what, signal.reason);
}

/** Resolves after `ms`; rejects with AbortedError as soon as `signal` fires. */
export function sleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError(what, signal.reason));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(what, signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
