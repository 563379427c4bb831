import { sleep, throwIfAborted } from "./abort.js";
import { backoffDelay } from "./backoff.js";

export interface RetryOptions {
  /** Retries after the first attempt; 0 runs `fn` once. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Whether an error is worth retrying. Return `{ retryAfterMs }` when the
   * server said how long to wait (HTTP Retry-After): that wait is used as is.
   */
  isTransient: (error: unknown) => boolean | { retryAfterMs: number };
  signal?: AbortSignal;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `fn` (given the attempt number, from 1) until it succeeds, retrying
 * transient errors with exponential backoff and jitter. A permanent error, or
 * the last transient one, is rethrown unchanged; an abort ends it with AbortedError.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(opts.signal, "retrying");
    try {
      return await fn(attempt);
    } catch (error) {
      const transient = opts.isTransient(error);
      if (transient === false || attempt > opts.retries) throw error;
      const delayMs =
        transient === true
          ? backoffDelay(attempt, opts.baseDelayMs, opts.maxDelayMs)
          : Math.max(0, transient.retryAfterMs);
      opts.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, opts.signal, "retrying");
    }
  }
}
