import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Output } from "../../src/cli/output.js";
import { ProgressView } from "../../src/cli/progress-view.js";

/** A stderr that keeps what was written; a terminal when `tty`. */
function stderr(tty: boolean): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  }) as Writable & { isTTY?: boolean };
  if (tty) stream.isTTY = true;
  return { stream, text: () => text };
}

const event = (done: number, total?: number) => ({
  type: "progress" as const,
  migration: "001_x",
  operation: "backfill",
  collection: "docs",
  done,
  total,
  perSecond: 100,
});

describe("ProgressView", () => {
  it("writes a line now and then when stderr is not a terminal: the first, one per interval, and the last", () => {
    const err = stderr(false);
    let clock = 0;
    const view = new ProgressView(new Output(false, undefined, err.stream), "lines", () => clock);
    view.update(event(100, 1000));
    clock = 1_000;
    view.update(event(200, 1000));
    clock = 6_000;
    view.update(event(700, 1000));
    clock = 6_500;
    view.update(event(1000, 1000));
    expect(err.text().split("\n")).toEqual([
      "  backfill docs: 100/1,000 (10%), 100/s, ETA 9s",
      "  backfill docs: 700/1,000 (70%), 100/s, ETA 3s",
      "  backfill docs: 1,000/1,000 (100%), 100/s, ETA 0s",
      "",
    ]);
  });

  it("redraws one bar in place on a terminal and clears it before another line", () => {
    const err = stderr(true);
    let clock = 0;
    const out = new Output(false, undefined, err.stream);
    const view = new ProgressView(out, "bar", () => clock);
    view.update(event(500, 1000));
    view.beforeLine();
    out.log("a log line");
    clock = 200;
    view.update(event(1000, 1000));
    expect(err.text()).toBe(
      "\r\u001b[K  [############------------] backfill docs: 500/1,000 (50%), 100/s, ETA 5s" +
        "\r\u001b[Ka log line\n" +
        "\r\u001b[K  [########################] backfill docs: 1,000/1,000 (100%), 100/s, ETA 0s\n",
    );
  });

  it("writes JSON lines under --json, with the ETA in seconds", () => {
    const err = stderr(false);
    const view = new ProgressView(new Output(true, undefined, err.stream), "json", () => 0);
    view.update(event(250, 1000));
    expect(JSON.parse(err.text())).toEqual({
      event: "progress",
      type: "progress",
      migration: "001_x",
      operation: "backfill",
      collection: "docs",
      done: 250,
      total: 1000,
      perSecond: 100,
      etaSeconds: 8,
    });
  });

  it("shows an operation without a known total as a count, with no percentage or ETA", () => {
    const err = stderr(false);
    const view = new ProgressView(new Output(false, undefined, err.stream), "lines", () => 0);
    view.update({ ...event(42), operation: "import", total: undefined });
    expect(err.text().trim()).toBe("import docs: 42, 100/s");
  });
});
