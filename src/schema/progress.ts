import type { MigrationLogger } from "../migration/define-migration.js";

/**
 * Progress lines of a long operation: one every `everyMs` at most, so a
 * backfill of millions of points says how far it is without a line per batch.
 */
export class ProgressLog {
  #last = Date.now();

  constructor(
    private readonly log: MigrationLogger,
    private readonly what: string,
    private readonly everyMs = 10_000,
  ) {}

  line(message: string): void {
    this.log.info(`${this.what}: ${message}`);
    this.#last = Date.now();
  }

  /** Logs `message()` if the last line is older than `everyMs`. */
  tick(message: () => string): void {
    if (Date.now() - this.#last >= this.everyMs) this.line(message());
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
