import { describe, expect, it } from "vitest";
import { AbortedError } from "../src/util/abort.js";
import { WaitTimeoutError, waitFor } from "../src/util/wait-for.js";

describe("waitFor", () => {
  it("returns once the check passes, reporting each failure before it", async () => {
    let calls = 0;
    const waits: string[] = [];
    await waitFor(
      "Postgres",
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`refused ${calls}`);
      },
      { timeoutMs: 30_000, onWaiting: (error) => waits.push((error as Error).message) },
    );
    expect(calls).toBe(3);
    expect(waits).toEqual(["refused 1", "refused 2"]);
  });

  it("passes the time elapsed since the first check to onWaiting", async () => {
    const elapsed: number[] = [];
    let calls = 0;
    await waitFor(
      "Qdrant",
      async () => {
        calls += 1;
        if (calls < 3) throw new Error("not yet");
      },
      { timeoutMs: 30_000, onWaiting: (_error, ms) => elapsed.push(ms) },
    );
    expect(elapsed).toHaveLength(2);
    // The second failure comes after a pause, so later than the first.
    expect(elapsed[1]).toBeGreaterThan(elapsed[0] ?? Infinity);
  });

  it("times out with WaitTimeoutError naming the target and the last error", async () => {
    let calls = 0;
    const error = await waitFor(
      "Qdrant at http://qdrant:6333",
      async () => {
        calls += 1;
        throw new Error(`ECONNREFUSED (try ${calls})`);
      },
      { timeoutMs: 50 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toMatchObject({ code: "WAIT_TIMEOUT", label: "Qdrant at http://qdrant:6333" });
    expect((error as Error).message).toContain("Qdrant at http://qdrant:6333");
    expect((error as Error).message).toContain(`ECONNREFUSED (try ${calls})`);
  });

  it("does not let a hung check outlast the timeout", async () => {
    const error = await waitFor("a hung server", () => new Promise<void>(() => {}), {
      timeoutMs: 20,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toContain("did not finish in time");
  });

  it("checks once with a zero timeout", async () => {
    let calls = 0;
    await waitFor(
      "ready",
      async () => {
        calls += 1;
      },
      { timeoutMs: 0 },
    );
    expect(calls).toBe(1);
  });

  it("stops with AbortedError when aborted while waiting", async () => {
    const controller = new AbortController();
    const run = waitFor(
      "Postgres",
      async () => {
        throw new Error("refused");
      },
      { timeoutMs: 60_000, signal: controller.signal, onWaiting: () => controller.abort() },
    );
    await expect(run).rejects.toBeInstanceOf(AbortedError);
  });
});
