import { describe, expect, it } from "vitest";
import { AbortedError } from "../src/util/abort.js";
import { withRetry } from "../src/util/retry.js";

class Transient extends Error {}
class Permanent extends Error {}

const fast = {
  baseDelayMs: 1,
  maxDelayMs: 4,
  isTransient: (error: unknown) => error instanceof Transient,
};

/** A function failing with the given errors in turn, then returning "done". */
function failing(...errors: Error[]) {
  const attempts: number[] = [];
  const fn = async (attempt: number) => {
    attempts.push(attempt);
    const error = errors.shift();
    if (error) throw error;
    return "done";
  };
  return { fn, attempts };
}

describe("withRetry", () => {
  it("returns the first success, numbering attempts from 1", async () => {
    const { fn, attempts } = failing(new Transient("a"), new Transient("b"));
    await expect(withRetry(fn, { ...fast, retries: 5 })).resolves.toBe("done");
    expect(attempts).toEqual([1, 2, 3]);
  });

  it("rethrows a permanent error at once, unchanged", async () => {
    const permanent = new Permanent("bad request");
    const { fn, attempts } = failing(permanent);
    await expect(withRetry(fn, { ...fast, retries: 5 })).rejects.toBe(permanent);
    expect(attempts).toEqual([1]);
  });

  it("rethrows the last transient error once the retries are used up", async () => {
    const last = new Transient("third");
    const { fn, attempts } = failing(new Transient("first"), new Transient("second"), last);
    await expect(withRetry(fn, { ...fast, retries: 2 })).rejects.toBe(last);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it("reports each retry with a backoff delay within its bounds", async () => {
    const seen: [string, number, number][] = [];
    const { fn } = failing(new Transient("a"), new Transient("b"), new Transient("c"));
    await withRetry(fn, {
      retries: 3,
      baseDelayMs: 2,
      maxDelayMs: 6,
      isTransient: fast.isTransient,
      onRetry: (error, attempt, delayMs) => seen.push([(error as Error).message, attempt, delayMs]),
    });
    expect(seen.map(([message, attempt]) => [message, attempt])).toEqual([
      ["a", 1],
      ["b", 2],
      ["c", 3],
    ]);
    const [first, second, third] = seen.map(([, , delay]) => delay);
    expect(first).toBeGreaterThanOrEqual(1);
    expect(first).toBeLessThanOrEqual(2);
    expect(second).toBeGreaterThanOrEqual(2);
    expect(second).toBeLessThanOrEqual(4);
    expect(third).toBeGreaterThanOrEqual(3);
    expect(third).toBeLessThanOrEqual(6);
  });

  it("waits as long as the server's retry-after asks", async () => {
    const delays: number[] = [];
    const { fn } = failing(new Transient("429"));
    await withRetry(fn, {
      retries: 1,
      baseDelayMs: 1,
      maxDelayMs: 1,
      isTransient: () => ({ retryAfterMs: 25 }),
      onRetry: (_error, _attempt, delayMs) => delays.push(delayMs),
    });
    expect(delays).toEqual([25]);
  });

  it("stops with AbortedError when aborted during a pause", async () => {
    const controller = new AbortController();
    const { fn, attempts } = failing(new Transient("a"), new Transient("b"));
    const run = withRetry(fn, {
      ...fast,
      retries: 5,
      isTransient: () => ({ retryAfterMs: 60_000 }),
      signal: controller.signal,
      onRetry: () => controller.abort(new Error("Ctrl-C")),
    });
    await expect(run).rejects.toBeInstanceOf(AbortedError);
    await expect(run).rejects.toMatchObject({ code: "ABORTED" });
    expect(attempts).toEqual([1]);
  });

  it("does not start when the signal has already fired", async () => {
    const { fn, attempts } = failing();
    await expect(
      withRetry(fn, { ...fast, retries: 1, signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(attempts).toEqual([]);
  });
});
