import { postgresConnectionUrl } from "../config/resolve-config.js";
import { acquireMigrationLock } from "../lock/migration-lock.js";
import type { EngineContext } from "./engine-context.js";

/**
 * Runs `fn` holding the migration lock. `fn` gets a signal that aborts when
 * the caller aborts or the lock is lost (its connection died, or an operator
 * ended it): another runner may then take over, so this one must not commit.
 * `waitedSince` is when this runner started waiting, if another held the lock.
 * The journal's tables are brought up to date once the lock is held.
 */
export async function withMigrationLock<T>(
  ctx: EngineContext,
  fn: (signal: AbortSignal, waitedSince: Date | undefined) => Promise<T>,
): Promise<T> {
  const { config, emit } = ctx;
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
    // Under the lock: a journal upgrade never runs beside another runner's migration.
    await ctx.ensureTables();
    ctx.rt.forgetTopology();
    return await fn(AbortSignal.any([ctx.signal, lost.signal]), lock.waitedSince);
  } finally {
    await lock.release();
  }
}
