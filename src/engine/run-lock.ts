import { postgresConnectionUrl } from "../config/resolve-config.js";
import { acquireMigrationLock } from "../lock/migration-lock.js";
import type { EngineContext } from "./engine-context.js";

/**
 * Runs `fn` holding the migration lock. `fn` gets a signal that aborts when
 * the caller aborts or the lock is lost (its connection died, or an operator
 * ended it): another runner may then take over, so this one must not commit.
 * `waitedSince` is when this runner started waiting, if another held the lock.
 */
export async function withMigrationLock<T>(
  ctx: EngineContext,
  fn: (signal: AbortSignal, waitedSince: Date | undefined) => Promise<T>,
): Promise<T> {
  const { config, emit } = ctx;
  await ctx.ensureTables();
  const lock = await acquireMigrationLock({
    url: postgresConnectionUrl(config.postgres),
    key: `${config.postgres.schema}.${config.postgres.tablePrefix}migrations`,
    timeoutMs: config.lock.timeoutMs,
    signal: ctx.signal,
    onWait: (holder) => {
      void emit({
        type: "lock-waiting",
        holder: holder
          ? `${holder.host} pid ${holder.pid} since ${holder.since.toISOString()}`
          : undefined,
      });
    },
  });
  await emit({ type: "lock-acquired" });
  const lost = new AbortController();
  void lock.lost.then((error) => lost.abort(error));
  try {
    ctx.rt.forgetTopology();
    await seedSnapshotSpacing(ctx);
    return await fn(AbortSignal.any([ctx.signal, lost.signal]), lock.waitedSince);
  } finally {
    await lock.release();
  }
}

/** Snapshots recorded by earlier runs count for spacing too (another process may have just taken one). */
async function seedSnapshotSpacing({ rt }: EngineContext): Promise<void> {
  for (const record of await rt.journal.list()) {
    for (const s of [...record.snapshots, ...(record.appliedChanges?.snapshots ?? [])]) {
      rt.snapshotSpacing.note(s.collection, Date.parse(s.takenAt));
    }
  }
}
