import type { QdrantMigrateConfig } from "../config/define-config.js";
import { type ResolvedConfig, resolveConfig } from "../config/resolve-config.js";
import { declaredSchemaDifferences } from "../declared-schema/generate-migration.js";
import type { ManagedCollection } from "../declared-schema/managed-collection.js";
import { isUnfinished } from "../journal/journal-states.js";
import type { MigrationRecord } from "../journal/migration-journal.js";
import type { MigrationRun } from "../journal/run-log.js";
import { listMigrations } from "../migration/list-migrations.js";
import { readAliases } from "../qdrant/aliases.js";
import { baseline } from "./baseline.js";
import { pruneCollectionVersions } from "./collection-retention.js";
import { findDrift } from "./drift.js";
import { createEngineContext, type EngineContext } from "./engine-context.js";
import { FailedWhileWaitingError, InterruptedMigrationError } from "./errors.js";
import { type HistoryEntry, historyEntryOf } from "./history-entry.js";
import { historyStatus, type MigrationStatusEntry } from "./history-status.js";
import { managedAliases } from "./managed-aliases.js";
import { managedSchemas } from "./managed-schemas.js";
import type {
  BaselineResult,
  CheckResult,
  DownOptions,
  MigrationRunResult,
  MigratorOptions,
  PlanEntry,
  PlanOptions,
  PruneCollectionsOptions,
  PrunedCollections,
  PrunedSnapshots,
  RepairOptions,
  RepairResult,
  RunResult,
  SnapshotListing,
  StatusResult,
  UnrestoredCollection,
  UpOptions,
} from "./migrator-types.js";
import { type HistoryState, preflightDown, preflightUp } from "./preflight.js";
import type { RecoveryOptions } from "./recovery.js";
import { resumableRuns } from "./resume.js";
import { withMigrationLock } from "./run-lock.js";
import { listOwnedSnapshots, pruneOwnedSnapshots } from "./snapshot-retention.js";
import type { RunInOrderInput } from "./umzug-runner.js";
import { consistencyOf } from "./verdict.js";

/**
 * Runs migrations and reports on them, in the manner of Kysely's `Migrator`.
 * One migrator owns one Postgres pool and one Qdrant client; call `close()`
 * when done. The verbs that change anything (`up`, `down`, `repair`,
 * `baseline`, `pruneSnapshots`, `pruneCollections`) hold the migration lock while they run.
 *
 * `up` and `down` never throw: every failure, including a refused history, a
 * lost lock or an unreachable store, comes back as `error` in the
 * `RunResult`, typed and redacted. Every other method throws its failure as a
 * `QdrantMigrateError` subclass (with a stable `code`).
 */
export interface Migrator {
  /**
   * Applies pending (and failed) migrations, oldest first, after restoring
   * interrupted ones from the journal. Never throws.
   *
   * @example
   * const { error, results } = await migrator.up({ to: "20240101000000_add_documents" });
   * if (error) console.error(error.code, error.message);
   */
  up(options?: UpOptions): Promise<RunResult>;
  /**
   * Reverts the last applied migration (or `step`, or down `to` one, `0` for
   * all), newest first. Never throws.
   *
   * @example
   * const { error } = await migrator.down({ step: 2, fromSnapshot: true });
   */
  down(options?: DownOptions): Promise<RunResult>;
  /**
   * What `up` (or `down`, with `direction: "down"`) would run, and which
   * collections each would snapshot or create, without running it. Throws
   * what the run would refuse with (the same preflight, `preflight.ts`).
   *
   * @example
   * for (const p of await migrator.plan()) console.log(p.name, p.snapshots, p.creates);
   */
  plan(options?: PlanOptions): Promise<PlanEntry[]>;
  /**
   * Every migration's state (files joined with the journal) and every
   * recorded collection's schema version. Throws.
   *
   * @example
   * const { migrations } = await migrator.status();
   * const pending = migrations.filter((m) => m.state === "pending");
   */
  status(): Promise<StatusResult>;
  /**
   * `status` judged: pending, changed, missing, failed, interrupted and
   * out-of-order migrations, and schema drift in Qdrant; `ok` when none. Throws.
   *
   * @example
   * if (!(await migrator.check()).ok) process.exitCode = 1;
   */
  check(): Promise<CheckResult>;
  /**
   * Each journaled migration's latest run (`HistoryEntry`: status, times,
   * runner, error, what it changed in counts), ordered by migration name.
   * Every attempt is in `runs()`. Throws.
   *
   * @example
   * for (const h of await migrator.history()) console.log(h.name, h.status, h.finishedAt);
   */
  history(): Promise<HistoryEntry[]>;
  /**
   * Every run of every migration, oldest first: each attempt of `up` and
   * `down` (failed ones too, which `history()` loses when the next attempt
   * starts; one whose runner died is `interrupted`, and the run that resumes
   * or restores it is another) and each `baseline` stamp. Throws.
   *
   * @example
   * const failures = (await migrator.runs()).filter((r) => r.status === "failed");
   */
  runs(): Promise<MigrationRun[]>;
  /**
   * Restores interrupted migrations from the journal and clears failed ones;
   * `concurrentWrites` decides about writes others made since the snapshots
   * (a recovery the config's policy refused). Throws.
   *
   * @example
   * const { recovered, cleared } = await migrator.repair();
   */
  repair(options?: RepairOptions): Promise<RepairResult>;
  /**
   * Adopts an existing deployment: marks migrations up to `to` applied without
   * running them and records every live collection's schema. Throws.
   *
   * @example
   * await migrator.baseline({ to: "20240101000000_initial" });
   */
  baseline(options: { to: string }): Promise<BaselineResult>;
  /**
   * The collections this project manages (its journal's schema versions) as
   * recorded after the last applied migration, or (`from: "live"`) as the
   * server has them now: what `generate` compares the declared schema with. Throws.
   *
   * @example
   * const recorded = await migrator.managedSchemas({ from: "journal" });
   */
  managedSchemas(options: { from: "journal" | "live" }): Promise<ManagedCollection[]>;
  /**
   * The shard snapshots this project's migrations took (its journal's
   * record: its database and table prefix), and how many other snapshots of
   * the same collections it left out. Throws.
   *
   * @example
   * const { snapshots } = await migrator.listSnapshots();
   * const total = snapshots.reduce((n, s) => n + s.size, 0);
   */
  listSnapshots(): Promise<SnapshotListing>;
  /**
   * Deletes all but the newest `keep` (default `snapshots.keep`) of this
   * project's snapshots of each replica, never another project's. Keeps
   * those an interrupted migration needs to roll back (even with `force`)
   * and those applied migrations need for `down --from-snapshot` (unless
   * `force`). Throws.
   *
   * @example
   * await migrator.pruneSnapshots({ keep: 1 });
   */
  pruneSnapshots(options?: { keep?: number; force?: boolean }): Promise<PrunedSnapshots[]>;
  /**
   * Deletes the old physical versions `<name>_v<N>` of alias-managed
   * collections that blue-green changes left: only collections this
   * project's migrations created, never one an alias points at, keeping the
   * newest `keep` (default 1) of the others per alias; refused while a
   * migration is interrupted (unless `dryRun`, which deletes nothing). Throws.
   *
   * @example
   * for (const p of await migrator.pruneCollections({ dryRun: true })) console.log(p.name, p.deleted);
   */
  pruneCollections(options?: PruneCollectionsOptions): Promise<PrunedCollections[]>;
  /** Closes the Postgres pool. */
  close(): Promise<void>;
}

/**
 * Creates a migrator; call `close()` when done. `config` is what
 * `defineConfig` returns (resolved here against `process.env`, relative
 * paths against the working directory; a bad field throws `ConfigError`),
 * or what `loadConfig()` returns (a config file, with its `.env`).
 *
 * @example
 * import { createMigrator, defineConfig } from "qdrant-migrate";
 * import addDocuments from "./migrations/20240101000000_add_documents.js";
 *
 * const migrator = createMigrator(
 *   defineConfig({
 *     migrations: [{ name: "20240101000000_add_documents", migration: addDocuments }],
 *     postgres: { url: process.env.DATABASE_URL },
 *     qdrant: { url: process.env.QDRANT_URL },
 *   }),
 * );
 * try {
 *   const { error } = await migrator.up();
 *   if (error) throw error;
 * } finally {
 *   await migrator.close();
 * }
 */
export function createMigrator(
  config: QdrantMigrateConfig | ResolvedConfig,
  options: MigratorOptions = {},
): Migrator {
  return migratorOver(
    isResolved(config) ? config : resolveConfig(config, { rootDir: process.cwd() }),
    options,
  );
}

/** `rootDir` is no setting of `defineConfig` (its keys are checked), so only a resolved config has one. */
function isResolved(config: QdrantMigrateConfig | ResolvedConfig): config is ResolvedConfig {
  return "rootDir" in config;
}

function migratorOver(config: ResolvedConfig, options: MigratorOptions): Migrator {
  const ctx = createEngineContext(config, options);
  const { rt } = ctx;
  return {
    up: (opts = {}) => up(ctx, opts),
    down: (opts = {}) => down(ctx, opts),
    async plan(opts = {}) {
      const state = await readState(ctx);
      // The plan's machinery (undo inspection, the dry-run toolkit) is loaded only for a plan.
      const { planMigrations, planRestores, simulatePlan } = await import("./plan.js");
      const exists = async (c: string) => (await rt.qdrant.client.collectionExists(c)).exists;
      if (opts.direction === "down") {
        const { loaded, restoreFrom } = await preflightDown(state, {
          to: opts.downTo,
          step: opts.downStep,
          fromSnapshot: opts.downFromSnapshot,
          allowChanged: opts.allowChanged,
          allowMissing: opts.allowMissing,
        });
        const plan = await planMigrations(loaded, "down", exists);
        return opts.downFromSnapshot ? planRestores(rt, plan, restoreFrom) : plan;
      }
      const { loaded } = await preflightUp(state, opts);
      const planned = await planMigrations(loaded, "up", exists);
      const plan = opts.simulate ? await simulatePlan(rt, planned, loaded, ctx.signal) : planned;
      const interrupted = state.records.filter((r) => isUnfinished(r.status));
      const resume = await resumableRuns(ctx, interrupted);
      const recovers = new Set(interrupted.map((r) => r.name));
      return plan.map((p) =>
        resume.has(p.name)
          ? { ...p, resumes: true as const }
          : recovers.has(p.name)
            ? { ...p, recovers: true as const }
            : p,
      );
    },
    async status() {
      const { entries, records } = await readReport(ctx);
      const isManaged = managedAliases(config.qdrant.managedAliases, records);
      const [collections, aliases, declared] = await Promise.all([
        rt.versions.list(),
        readAliases(rt.qdrant),
        managedSchemas(rt, "journal").then((managed) => declaredSchemaDifferences(config, managed)),
      ]);
      return {
        migrations: entries,
        collections,
        declaredSchema: declared?.differences ?? [],
        aliases: aliases
          .filter((a) => isManaged(a.alias))
          .sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0)),
      };
    },
    async check() {
      const { entries, records } = await readReport(ctx);
      const isManaged = managedAliases(config.qdrant.managedAliases, records);
      const declared = await declaredSchemaDifferences(config, await managedSchemas(rt, "journal"));
      return consistencyOf(entries, await findDrift(rt, isManaged), declared?.differences);
    },
    async history() {
      await ctx.ensureTables();
      return (await rt.journal.list()).map(historyEntryOf);
    },
    async runs() {
      await ctx.ensureTables();
      return rt.runs.list();
    },
    repair: (opts = {}) =>
      withMigrationLock(ctx, async () => {
        const unrestored: UnrestoredCollection[] = [];
        const recovered = await recover(ctx, await rt.journal.unfinished(), {
          policy: opts.concurrentWrites,
          unrestored,
        });
        const cleared: string[] = [];
        for (const record of await rt.journal.list()) {
          if (record.status !== "failed") continue;
          await rt.journal.remove(record.name);
          cleared.push(record.name);
        }
        return { recovered, cleared, unrestored };
      }),
    baseline: ({ to }) =>
      withMigrationLock(ctx, async () => {
        const { files, entries } = await readState(ctx);
        return baseline(rt, files, entries, to);
      }),
    async managedSchemas({ from }) {
      await ctx.ensureTables();
      return managedSchemas(rt, from);
    },
    async listSnapshots() {
      await ctx.ensureTables();
      return listOwnedSnapshots(rt);
    },
    pruneSnapshots: (opts = {}) =>
      withMigrationLock(ctx, () =>
        pruneOwnedSnapshots(rt, opts.keep ?? config.snapshots.keep, opts.force === true),
      ),
    async pruneCollections(opts = {}) {
      const keep = opts.keep ?? 1;
      if (opts.dryRun) {
        await ctx.ensureTables();
        return pruneCollectionVersions(rt, keep, true);
      }
      return withMigrationLock(ctx, async () => {
        // An interrupted run's rollback may need the versions it switched away from.
        await refuseInterrupted(ctx, "collections prune");
        return pruneCollectionVersions(rt, keep, false);
      });
    },
    close: () => rt.close(),
  };
}

async function up(ctx: EngineContext, opts: UpOptions): Promise<RunResult> {
  const results: MigrationRunResult[] = [];
  let recovered: string[] = [];
  try {
    await withMigrationLock(ctx, async (signal, waitedSince) => {
      const state = await readState(ctx);
      // Refused before anything is recovered: the run and its plan refuse alike.
      const { loaded, applied } = await preflightUp(state, opts);
      const interrupted = state.records.filter((r) => isUnfinished(r.status));
      const resume = await resumableRuns(ctx, interrupted);
      recovered = await recover(
        ctx,
        interrupted.filter((r) => !resume.has(r.name)),
        { policy: opts.concurrentWrites },
      );
      for (const migration of resume.keys()) await ctx.emit({ type: "resuming", migration });
      refuseFailedWhileWaiting(state.records, [...loaded.keys()], recovered, waitedSince);
      await runPending(
        ctx,
        {
          direction: "up",
          loaded,
          applied,
          restoreFrom: new Map(),
          resume,
          signal,
          concurrentWrites: opts.concurrentWrites,
        },
        results,
      );
    });
    return { results, recovered };
  } catch (error) {
    return { results, recovered, error: ctx.toError(error) };
  }
}

async function down(ctx: EngineContext, opts: DownOptions): Promise<RunResult> {
  const results: MigrationRunResult[] = [];
  try {
    await withMigrationLock(ctx, async (signal) => {
      const { loaded, applied, restoreFrom, warnings } = await preflightDown(
        await readState(ctx),
        opts,
      );
      for (const { migration, message } of warnings) {
        await ctx.emit({ type: "log", level: "warn", migration, message });
      }
      await runPending(
        ctx,
        {
          direction: "down",
          loaded,
          applied,
          restoreFrom,
          resume: new Map(),
          signal,
          concurrentWrites: opts.concurrentWrites,
        },
        results,
      );
    });
    return { results, recovered: [] };
  } catch (error) {
    return { results, recovered: [], error: ctx.toError(error) };
  }
}

/**
 * Runs what was selected; with nothing selected, loads nothing. The runner
 * (Umzug, the step protocol, the toolkit, the Qdrant client behind them) is
 * imported here, so a start with nothing to do never loads it.
 */
async function runPending(
  ctx: EngineContext,
  input: RunInOrderInput,
  results: MigrationRunResult[],
): Promise<void> {
  if (input.loaded.size === 0) return;
  const { runInOrder } = await import("./umzug-runner.js");
  await runInOrder(ctx, input, results);
}

/**
 * Recovers interrupted runs; with none, loads nothing (the undo machinery
 * behind recovery is imported only when a run needs it).
 */
async function recover(
  ctx: EngineContext,
  records: readonly MigrationRecord[],
  opts: RecoveryOptions,
): Promise<string[]> {
  if (records.length === 0) return [];
  const { recoverInterrupted } = await import("./recovery.js");
  return recoverInterrupted(ctx, records, opts);
}

async function readState(
  ctx: EngineContext,
): Promise<HistoryState & { entries: MigrationStatusEntry[] }> {
  await ctx.ensureTables();
  const [files, records] = await Promise.all([
    listMigrations(ctx.config.migrations),
    ctx.rt.journal.list(),
  ]);
  return { files, records, entries: historyStatus(files, records) };
}

/**
 * The state `status` and `check` report: `readState`, with the interrupted
 * runs the next `up` resumes marked. A file that does not load is no run to
 * resume (`up` would refuse it), so it is reported interrupted, not an error.
 */
async function readReport(ctx: EngineContext): ReturnType<typeof readState> {
  const state = await readState(ctx);
  const interrupted = state.records.filter((r) => isUnfinished(r.status));
  if (interrupted.length === 0) return state;
  const resume = await resumableRuns(ctx, interrupted).catch(() => new Map<string, never>());
  return { ...state, entries: historyStatus(state.files, state.records, new Set(resume.keys())) };
}

/** A verb that must not run over an interrupted migration (recovery needs its row and snapshots). */
async function refuseInterrupted(ctx: EngineContext, command?: "collections prune"): Promise<void> {
  const interrupted = (await ctx.rt.journal.unfinished()).map((r) => r.name);
  if (interrupted.length > 0) throw new InterruptedMigrationError(interrupted, command);
}

/**
 * A runner that waited for the lock must not retry a migration the run it
 * waited for just failed (finished after this one started waiting, by the
 * database clock); one that died (recovered above) may be retried.
 */
function refuseFailedWhileWaiting(
  records: readonly MigrationRecord[],
  names: readonly string[],
  recovered: readonly string[],
  waitedSince: Date | undefined,
): void {
  if (waitedSince === undefined) return;
  const failed = records.find(
    (r) =>
      names.includes(r.name) &&
      r.status === "failed" &&
      !recovered.includes(r.name) &&
      r.finishedAt !== null &&
      r.finishedAt >= waitedSince,
  );
  if (failed) throw new FailedWhileWaitingError(failed.name, failed.runner, failed.error);
}
