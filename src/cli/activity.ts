import type { MigratorEvent } from "../index.js";

/**
 * What the running command is doing, so that the first SIGINT/SIGTERM says
 * what stopping now means: a running step is rolled back, a rollback or a
 * recovery finishes first, and where nothing runs nothing is rolled back.
 */
export class Activity {
  #onInterrupt = "stopping";

  /** What an interrupt does now, for `received SIGINT: <this>`. */
  get onInterrupt(): string {
    return this.#onInterrupt;
  }

  /** Set by a command that knows better than "stopping" (the sandbox). */
  set(onInterrupt: string): void {
    this.#onInterrupt = onInterrupt;
  }

  /** A migrator is open and no migration step runs. */
  idle(): void {
    this.#onInterrupt = IDLE;
  }

  /** Follows a migrator's events: which migration runs, rolls back or is restored. */
  track(event: MigratorEvent): void {
    switch (event.type) {
      case "lock-waiting":
      case "lock-acquired":
      case "migration-done":
      case "rolled-back":
      case "recovered":
        this.#onInterrupt = IDLE;
        break;
      case "migration-start":
        this.#onInterrupt = `stopping the running step of ${event.migration} and rolling it back`;
        break;
      case "rolling-back":
        this.#onInterrupt = `stopping once the rollback of ${event.migration} is done`;
        break;
      case "recovering":
        this.#onInterrupt = `stopping once ${event.migration} is restored from the journal`;
        break;
    }
  }
}

const IDLE = "stopping; no migration step is running, so nothing is rolled back";
