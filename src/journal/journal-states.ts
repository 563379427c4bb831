import { QdrantMigrateError } from "../errors.js";
import type { JournalRowStatus } from "./table-types.js";

/**
 * The journal row's state machine: every status write of `MigrationJournal`
 * is one event of this table, and is made with `WHERE status IN (from)`, so
 * a write that lost a race (another runner recovered or finished the row
 * meanwhile) is a `JournalTransitionRefusedError`, never an overwrite.
 * `docs/architecture.md` shows this table; a test checks the two agree.
 */

/** A row's status, or no row at all (before its first run, after `repair` clears it). */
export type JournalRowState = JournalRowStatus | "absent";

interface Transition {
  readonly from: readonly JournalRowState[];
  readonly to: JournalRowState;
}

export const JOURNAL_TRANSITIONS = {
  /** `start` of an `up`: a pending or failed migration (committed at once, for recovery). */
  "start up": { from: ["absent", "failed", "rolled_back"], to: "in_progress" },
  /** `start` of a `down`: an applied migration. */
  "start down": { from: ["applied"], to: "in_progress" },
  /** `start` resuming a dead runner's `resumable` run: the row keeps what it journaled. */
  resume: { from: ["in_progress"], to: "in_progress" },
  /** `noteUndoing`: the run failed and its undo begins; from now on recovered, never resumed. */
  "undo begins": { from: ["in_progress"], to: "undoing" },
  /** `noteRollbackFailed`: the undo failed; the row waits for recovery or `repair`. */
  "undo fails": { from: ["in_progress", "undoing"], to: "undoing" },
  /** `markApplied`, in the migration's own transaction. */
  "up commits": { from: ["in_progress"], to: "applied" },
  /** `markRolledBack`, in the migration's own transaction. */
  "down commits": { from: ["in_progress"], to: "rolled_back" },
  /** `markFailed` of an `up`: both stores are back as before it. */
  "up undone": { from: ["in_progress", "undoing"], to: "failed" },
  /** `markFailed` of a `down`: its migration stays applied. */
  "down undone": { from: ["in_progress", "undoing"], to: "applied" },
  /** `markInterrupted` of an `up` whose runner died: restored from the journal. */
  "up recovered": { from: ["in_progress", "undoing"], to: "failed" },
  /** `markInterrupted` of a `down` whose runner died: its migration stays applied. */
  "down recovered": { from: ["in_progress", "undoing"], to: "applied" },
  /** `stamp` (`baseline`): applied without running; never over an unfinished run. */
  stamp: { from: ["absent", "failed", "rolled_back"], to: "applied" },
  /** `remove` (`repair`): a failed migration is pending again. */
  clear: { from: ["failed"], to: "absent" },
} as const satisfies Record<string, Transition>;

export type JournalEvent = keyof typeof JOURNAL_TRANSITIONS;

/**
 * A row whose run has not finished: running, or being undone, or left so by
 * a runner that died. Recovery restores these; nothing deletes their snapshots.
 */
export const UNFINISHED: readonly JournalRowStatus[] = ["in_progress", "undoing"];

export function isUnfinished(status: JournalRowStatus): boolean {
  return UNFINISHED.includes(status);
}

/**
 * The statuses a run's records (snapshots, created collections, aliases,
 * touched points) are appended in: only while its run is unfinished.
 */
export const RECORDING = UNFINISHED;

/** The statuses an event may start from that are rows (not `absent`). */
export function rowStatusesFrom(event: JournalEvent): JournalRowStatus[] {
  return JOURNAL_TRANSITIONS[event].from.filter((s): s is JournalRowStatus => s !== "absent");
}

/** Whether an event may start where there is no row. */
export function startsWithoutRow(event: JournalEvent): boolean {
  return (JOURNAL_TRANSITIONS[event].from as readonly JournalRowState[]).includes("absent");
}

/** The event that ends an undone run (`markFailed`) or a recovered one (`markInterrupted`). */
export function endOf(
  how: "undone" | "recovered",
  direction: "up" | "down",
): Extract<JournalEvent, `${string} ${"undone" | "recovered"}`> {
  return `${direction} ${how}`;
}

/**
 * A journal write found its row in a state the event does not start from:
 * another runner changed it meanwhile (a lost lock, a concurrent recovery),
 * or a command met a run it must not overwrite. Nothing was written.
 */
export class JournalTransitionRefusedError extends QdrantMigrateError {
  constructor(
    readonly migration: string,
    readonly event: JournalEvent | "record",
    readonly expected: readonly JournalRowState[],
    readonly actual: JournalRowState,
  ) {
    super(
      "JOURNAL_TRANSITION_REFUSED",
      `Migration ${migration}'s journal row is ${actual}, so "${event}" (from ` +
        `${expected.join(" or ")}) was refused and nothing was written. Another runner ` +
        "changed the row meanwhile, or an unfinished run needs `qdrant-migrate up` or " +
        "`qdrant-migrate repair` first; run `qdrant-migrate status` to see it.",
    );
  }
}
