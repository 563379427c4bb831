import type { StepProgress } from "../../migration/step-types.js";
import type { ToolkitContext } from "../toolkit-context.js";

/**
 * A long operation's reports: its milestones (start, resume, done) as log
 * lines, and after each batch how far it is (`ctx.progress`), which the CLI
 * draws as a bar or a line every few seconds.
 */
export class ProgressLog {
  constructor(
    private readonly ctx: Pick<ToolkitContext, "log" | "progress">,
    private readonly operation: string,
    private readonly collection: string,
    /** How the log lines name the operation, e.g. "copy of docs into docs_v2". */
    private readonly what = `${operation} of ${collection}`,
  ) {}

  line(message: string): void {
    this.ctx.log.info(`${this.what}: ${message}`);
  }

  /** How far it is: `done` units (of `total`, when known). */
  tick(done: number, total?: number): void {
    const update: StepProgress = { operation: this.operation, collection: this.collection, done };
    if (total !== undefined) update.total = total;
    this.ctx.progress(update);
  }

  done(message: string): void {
    this.line(`done, ${message}`);
  }
}

/** `value` if it is a whole number ≥ 1; a programming error otherwise. */
export function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a whole number ≥ 1, got ${value}`);
  }
  return value;
}
