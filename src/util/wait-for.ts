import { messageOf, QdrantMigrateError } from "../errors.js";
import { AbortedError, sleep, throwIfAborted } from "./abort.js";
import { backoffDelay } from "./backoff.js";

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2_000;

/** `waitFor` ran out of time before its check passed. */
export class WaitTimeoutError extends QdrantMigrateError {
  constructor(
    readonly label: string,
    readonly timeoutMs: number,
    readonly lastError: unknown,
  ) {
    super(
      "WAIT_TIMEOUT",
      `Gave up waiting for ${label} after ${formatSeconds(timeoutMs)}: ${describe(lastError)}. ` +
        "Check that it is running and reachable from here, or wait longer (--wait).",
      { cause: lastError },
    );
  }
}

export interface WaitForOptions {
  timeoutMs: number;
  /** Called after each failed check, before the pause. */
  onWaiting?: (error: unknown, elapsedMs: number) => void;
  signal?: AbortSignal;
}

/**
 * Runs `check` until it resolves, pausing with backoff between failures. A
 * check still running at the deadline counts as a failure, so a hung
 * connection cannot stretch the wait. Errors from `check` appear in the
 * timeout message, so `check` must throw errors without secrets in them.
 */
export async function waitFor(
  label: string,
  check: () => Promise<void>,
  opts: WaitForOptions,
): Promise<void> {
  const what = `waiting for ${label}`;
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let lastError: unknown;
  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(opts.signal, what);
    const outcome = await checkBefore(check, deadline, opts.signal, what);
    if (outcome.ok) return;
    lastError = outcome.error ?? lastError;
    const now = Date.now();
    if (now >= deadline) throw new WaitTimeoutError(label, opts.timeoutMs, lastError);
    opts.onWaiting?.(lastError, now - started);
    const pause = backoffDelay(attempt, FIRST_DELAY_MS, MAX_DELAY_MS);
    await sleep(Math.min(pause, deadline - now), opts.signal, what);
  }
}

type Outcome = { ok: true } | { ok: false; error: unknown };

/**
 * The check's outcome, or a failure at the deadline if it is still running
 * (`error` undefined: the previous error is kept as the one to report).
 */
function checkBefore(
  check: () => Promise<void>,
  deadline: number,
  signal: AbortSignal | undefined,
  what: string,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      cleanup();
      reject(new AbortedError(what, signal?.reason));
    };
    const timer = setTimeout(
      () => {
        cleanup();
        resolve({ ok: false, error: undefined });
      },
      Math.max(0, deadline - Date.now()),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    check().then(
      () => {
        cleanup();
        resolve({ ok: true });
      },
      (error: unknown) => {
        cleanup();
        resolve({ ok: false, error });
      },
    );
  });
}

function describe(error: unknown): string {
  if (error === undefined) return "the check did not finish in time";
  return messageOf(error);
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}
