import { type Kysely, type Selectable, sql } from "kysely";
import { clock, elapsedMs } from "./clock.js";
import { ScopedJournalTable } from "./journal-scope.js";
import type { JournalDatabase, JournalRunsTable, RunStatus } from "./table-types.js";

/** One attempt at a migration, as `history` shows it. */
export interface MigrationRun {
  name: string;
  direction: "up" | "down";
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  error: string | null;
  /** `host:pid` of the process that ran it; null for a `baseline` stamp. */
  runner: string | null;
}

/**
 * The `qdrant_migration_runs` table: append-only, one row per attempt, so a
 * failure stays visible after the migration's own row is overwritten by the
 * next attempt. Its writes take the caller's (journal-scoped) transaction, so
 * a run row and the status row it mirrors commit together.
 */
export class RunLog extends ScopedJournalTable {
  /** Every run, oldest first. */
  async list(): Promise<MigrationRun[]> {
    const rows = await this.db
      .selectFrom("journalRuns")
      .selectAll()
      .orderBy("started_at")
      .orderBy("id")
      .execute();
    return rows.map(toRun);
  }
}

/** Appends a run that starts now (`in_progress`), or one already finished (a `baseline` stamp). */
export async function appendRun(
  scoped: Kysely<JournalDatabase>,
  run: Pick<MigrationRun, "name" | "direction" | "runner"> & {
    finished?: Exclude<RunStatus, "in_progress">;
  },
): Promise<void> {
  await scoped
    .insertInto("journalRuns")
    .values({
      name: run.name,
      direction: run.direction,
      status: run.finished ?? "in_progress",
      started_at: clock,
      finished_at: run.finished ? clock : null,
      duration_ms: run.finished ? 0 : null,
      runner: run.runner,
    })
    .execute();
}

/**
 * Finishes the migration's run in progress. There is at most one: runs of a
 * migration happen under the migration lock, and an interrupted one is
 * finished by recovery before the next starts.
 */
export async function finishRun(
  scoped: Kysely<JournalDatabase>,
  name: string,
  end: { status: Exclude<RunStatus, "in_progress">; error?: string },
): Promise<void> {
  await scoped
    .updateTable("journalRuns")
    .set({
      status: end.status,
      error: end.error ?? null,
      finished_at: clock,
      duration_ms: elapsedMs,
    })
    .where("name", "=", name)
    .where("status", "=", "in_progress")
    .execute();
}

/**
 * Ends the run a recovery settles and says what the migration's row should
 * read: a run still `in_progress` (its runner died) ends `interrupted`, when
 * it was last seen, with `died` and the recovery's `outcome`; a run its
 * runner already ended `failed` (its rollback failed, then it exited) keeps
 * that error, followed by the outcome.
 */
export async function endInterruptedRun(
  scoped: Kysely<JournalDatabase>,
  name: string,
  end: { died: string; outcome: string; lastSeen: Date | null },
): Promise<string> {
  const finished = end.lastSeen === null ? null : sql<Date>`greatest(started_at, ${end.lastSeen})`;
  const interrupted = `${end.died}; ${end.outcome}`;
  const ended = await scoped
    .updateTable("journalRuns")
    .set({
      status: "interrupted",
      error: interrupted,
      finished_at: finished,
      duration_ms:
        finished === null
          ? null
          : sql<number>`(extract(epoch FROM ${finished} - started_at) * 1000)::integer`,
    })
    .where("name", "=", name)
    .where("status", "=", "in_progress")
    .executeTakeFirst();
  if (Number(ended.numUpdatedRows) > 0) return interrupted;
  const latest = await scoped
    .selectFrom("journalRuns")
    .select(["id", "status", "error"])
    .where("name", "=", name)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  if (latest?.status !== "failed") return interrupted;
  const settled = `${latest.error ?? "failed"}; recovered later: ${end.outcome}`;
  await scoped
    .updateTable("journalRuns")
    .set({ error: settled })
    .where("id", "=", latest.id)
    .execute();
  return settled;
}

function toRun(row: Selectable<JournalRunsTable>): MigrationRun {
  return {
    name: row.name,
    direction: row.direction,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    error: row.error,
    runner: row.runner,
  };
}
