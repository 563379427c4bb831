import type { MigratorEvent } from "../index.js";
import type { Output } from "./output.js";

type ProgressEvent = Extract<MigratorEvent, { type: "progress" }>;

/** How progress is shown: a bar redrawn in place, a line now and then, or JSON lines. */
export type ProgressMode = "bar" | "lines" | "json";

const BAR_WIDTH = 24;

/**
 * Draws a step's `progress` events on stderr: on a terminal one bar, redrawn
 * in place at most every `barEveryMs` (cleared before any other line);
 * otherwise a line per operation at most every `lineEveryMs`; under `--json`
 * one JSON object per line at most every `lineEveryMs`, for CI to read.
 */
export class ProgressView {
  private readonly shown = new Map<string, number>();
  private barDrawn = false;

  constructor(
    private readonly out: Output,
    private readonly mode: ProgressMode,
    private readonly now: () => number = Date.now,
    private readonly lineEveryMs = 5_000,
    private readonly barEveryMs = 100,
  ) {
    // Whatever else is written (a log line, the run's result, an error) clears the bar first.
    out.onBeforeWrite(() => this.beforeLine());
  }

  update(e: ProgressEvent): void {
    const key = `${e.migration}\u0000${e.operation}\u0000${e.collection ?? ""}`;
    const finished = e.total !== undefined && e.done >= e.total;
    const last = this.shown.get(key);
    const every = this.mode === "bar" ? this.barEveryMs : this.lineEveryMs;
    // The first report and the last are always shown; those between, throttled.
    if (last !== undefined && !finished && this.now() - last < every) return;
    this.shown.set(key, this.now());
    if (this.mode === "json") {
      this.out.log(JSON.stringify({ event: "progress", ...e, etaSeconds: eta(e) }));
    } else if (this.mode === "lines") {
      this.out.log(`  ${describe(e)}`);
    } else {
      this.out.raw(`\r\u001b[K  ${bar(e)} ${describe(e)}`);
      this.barDrawn = !finished;
      if (finished) this.out.raw("\n");
    }
  }

  /** Before any other line: a bar being drawn is cleared (the next update redraws it). */
  beforeLine(): void {
    if (!this.barDrawn) return;
    this.out.raw("\r\u001b[K");
    this.barDrawn = false;
  }
}

/** "backfill memory_elena (001_x): 4,500/10,000 (45%), 812/s, ETA 7s" */
export function describe(e: ProgressEvent): string {
  const where = e.collection ? ` ${e.collection}` : "";
  const of = e.total !== undefined ? `/${e.total.toLocaleString("en-US")}` : "";
  const pct = e.total ? ` (${Math.floor((100 * e.done) / e.total)}%)` : "";
  const rate = e.perSecond > 0 ? `, ${Math.round(e.perSecond).toLocaleString("en-US")}/s` : "";
  const left = eta(e);
  const etaText = left !== undefined ? `, ETA ${formatSeconds(left)}` : "";
  return `${e.operation}${where}: ${e.done.toLocaleString("en-US")}${of}${pct}${rate}${etaText}`;
}

function bar(e: ProgressEvent): string {
  if (!e.total) return `[${"?".repeat(BAR_WIDTH)}]`;
  const filled = Math.min(BAR_WIDTH, Math.floor((BAR_WIDTH * e.done) / e.total));
  return `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
}

function eta(e: ProgressEvent): number | undefined {
  if (e.total === undefined || e.perSecond <= 0) return undefined;
  return Math.max(0, Math.ceil((e.total - e.done) / e.perSecond));
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
