import { hostname } from "node:os";
import { Umzug, type UmzugStorage } from "umzug";
import type { ResolvedConfig } from "../config/resolve-config.js";
import { messageOf, QdrantMigrateError } from "../errors.js";
import type { MigrationRecord } from "../journal/migration-journal.js";
import type { QdrantChanges } from "../journal/schema.js";
import type { SchemaVersionRecord } from "../journal/schema-versions.js";
import { ensureJournalTables } from "../journal/tables.js";
import { acquireMigrationLock, type MigrationLock } from "../lock/migration-lock.js";
import { isReversible } from "../migration/define-migration.js";
import { discoverMigrations, type MigrationFile } from "../migration/discover.js";
import { loadMigration } from "../migration/load-migration.js";
import { postgresConnectionError } from "../postgres/connection-error.js";
import { compareConfig, readLiveConfig } from "../qdrant/live-config.js";
import { listSnapshots, pruneSnapshots } from "../qdrant/snapshots.js";
import { redactSecrets } from "../util/redact.js";
import { applyMigration, type LoadedMigration } from "./apply-migration.js";
import {
  FailedWhileWaitingError,
  HistoryMismatchError,
  InterruptedMigrationError,
  IrreversibleMigrationError,
  MigrationFailedError,
  MigrationNotAppliedError,
  UnknownMigrationError,
} from "./errors.js";
import type { MigratorEvent, MigratorListener } from "./events.js";
import { historyProblems, historyStatus, type MigrationStatusEntry } from "./history-status.js";
import { openRuntime } from "./runtime.js";
import { undoQdrantChanges } from "./undo-qdrant-changes.js";

export interface MigratorOptions {
  /** Progress and log events, in order; awaited before the migrator goes on. */
  onEvent?: MigratorListener;
  /** Aborting stops before the next step; the running migration rolls back. */
  signal?: AbortSignal;
}

export interface UpOptions {
  /** Apply up to and including this migration. */
  to?: string;
  /** Apply at most this many migrations. */
  step?: number;
  /** Restore interrupted migrations from the journal first (default true). */
  autoRecover?: boolean;
  allowChanged?: boolean;
  allowMissing?: boolean;
  allowOutOfOrder?: boolean;
}

export interface DownOptions {
  /** Revert down to and including this migration; 0 reverts all (Umzug's semantics). */
  to?: string | 0;
  /** Revert this many migrations (default 1). */
  step?: number;
  /** Undo the Qdrant half from the snapshots recorded when each migration was applied. */
  fromSnapshot?: boolean;
  /** Revert even though a migration's file changed since it was applied. */
  allowChanged?: boolean;
  /**
   * Revert an applied migration whose file is gone: only its Qdrant half can
   * be reverted (from the snapshots recorded when it was applied).
   */
  allowMissing?: boolean;
}

export interface MigrationRunResult {
  name: string;
  direction: "up" | "down";
  status: "success" | "error" | "not-executed";
  durationMs?: number;
}

/** Like Kysely's MigrationResultSet: what ran, and the error that stopped the run. */
export interface RunResult {
  results: MigrationRunResult[];
  /** Interrupted migrations restored from the journal before this run. */
  recovered: string[];
  error?: QdrantMigrateError;
}

export interface PlanEntry {
  name: string;
  direction: "up" | "down";
  description: string | undefined;
  /** Existing collections the migration declares it changes: each is snapshotted first. */
  snapshots: string[];
  /** Collections it declares that do not exist yet (created, nothing to snapshot). */
  creates: string[];
}

export interface StatusResult {
  migrations: MigrationStatusEntry[];
  collections: SchemaVersionRecord[];
}

export interface DriftEntry {
  collection: string;
  differences: string[];
}

export interface CheckResult {
  ok: boolean;
  pending: string[];
  changed: string[];
  missing: string[];
  failed: string[];
  interrupted: string[];
  outOfOrder: string[];
  drift: DriftEntry[];
}

export interface SnapshotListEntry {
  collection: string;
  name: string;
  size: number;
  creationTime: string | null;
}

export interface Migrator {
  up(options?: UpOptions): Promise<RunResult>;
  down(options?: DownOptions): Promise<RunResult>;
  /** What `up` (or `down`) would run, without running it. */
  plan(
    options?: UpOptions & { direction?: "up" | "down"; downTo?: string | 0; downStep?: number },
  ): Promise<PlanEntry[]>;
  status(): Promise<StatusResult>;
  check(): Promise<CheckResult>;
  history(): Promise<MigrationRecord[]>;
  /** Restores interrupted migrations from the journal and clears failed ones. */
  repair(): Promise<{ recovered: string[]; cleared: string[] }>;
  /** Adopts an existing deployment: marks migrations up to `to` applied and records live collections. */
  baseline(options: { to: string }): Promise<{ stamped: string[]; collections: string[] }>;
  listSnapshots(): Promise<SnapshotListEntry[]>;
  pruneSnapshots(options?: { keep?: number }): Promise<{ collection: string; deleted: string[] }[]>;
  close(): Promise<void>;
}

/** Creates a migrator over the given config; call `close()` when done. */
export function createMigrator(config: ResolvedConfig, options: MigratorOptions = {}): Migrator {
  const rt = openRuntime(config);
  const signal = options.signal ?? new AbortController().signal;
  const runner = `${hostname()}:${process.pid}`;
  // A listener's failure is the caller's bug, never the migration's: after a
  // commit it must not turn into a rollback.
  const emit = async (event: MigratorEvent) => {
    try {
      await options.onEvent?.(event);
    } catch {}
  };
  const fail = (error: unknown) =>
    toMigrateError(postgresConnectionError(error, config.postgres.url) ?? error, rt.secrets);
  // Checked once per migrator: `up` would otherwise query for the tables twice
  // (before the lock and again reading state) on every container start.
  let tablesReady: Promise<void> | undefined;
  const ensureTables = () => {
    tablesReady ??= ensureJournalTables(rt.db, rt.tables).catch((error: unknown) => {
      tablesReady = undefined;
      throw error;
    });
    return tablesReady;
  };

  /**
   * Runs `fn` holding the migration lock. `fn` gets a signal that aborts when
   * the caller aborts or the lock is lost (its connection died, or an operator
   * ended it): another runner may then take over, so this one must not commit.
   */
  async function withLock<T>(
    fn: (signal: AbortSignal, waitedSince: Date | undefined) => Promise<T>,
  ): Promise<T> {
    await ensureTables();
    const lock: MigrationLock = await acquireMigrationLock({
      url: config.postgres.url,
      key: `${config.postgres.schema}.${config.postgres.tablePrefix}migrations`,
      timeoutMs: config.lock.timeoutMs,
      signal,
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
      await seedSnapshotSpacing();
      return await fn(AbortSignal.any([signal, lost.signal]), lock.waitedSince);
    } finally {
      await lock.release();
    }
  }

  /** Snapshots recorded by earlier runs count for spacing too (another process may have just taken one). */
  async function seedSnapshotSpacing(): Promise<void> {
    for (const record of await rt.journal.list()) {
      for (const s of [...record.snapshots, ...(record.appliedChanges?.snapshots ?? [])]) {
        rt.snapshotSpacing.note(s.collection, Date.parse(s.takenAt));
      }
    }
  }

  async function readState(): Promise<{
    files: MigrationFile[];
    records: MigrationRecord[];
    entries: MigrationStatusEntry[];
  }> {
    await ensureTables();
    const [files, records] = await Promise.all([
      discoverMigrations(config.migrations),
      rt.journal.list(),
    ]);
    return { files, records, entries: historyStatus(files, records) };
  }

  async function recoverInterrupted(records: readonly MigrationRecord[]): Promise<string[]> {
    const recovered: string[] = [];
    for (const record of records.filter((r) => r.status === "in_progress")) {
      await emit({ type: "recovering", migration: record.name });
      await undoQdrantChanges(rt, changesOf(record), (message) => {
        void emit({ type: "log", level: "info", migration: record.name, message });
      });
      await rt.journal.markFailed(
        record.name,
        `interrupted (runner ${record.runner ?? "unknown"} died); Qdrant restored from the journal`,
        {
          previousStatus: record.direction === "down" ? "applied" : undefined,
        },
      );
      await emit({ type: "recovered", migration: record.name });
      recovered.push(record.name);
    }
    return recovered;
  }

  function selectPending(entries: readonly MigrationStatusEntry[], opts: UpOptions): string[] {
    const pending = entries
      .filter((e) => e.state === "pending" || e.state === "failed")
      .map((e) => e.name);
    if (opts.to !== undefined) {
      if (!entries.some((e) => e.name === opts.to)) throw new UnknownMigrationError(opts.to);
      return pending.filter((name) => name <= (opts.to as string));
    }
    return opts.step !== undefined ? pending.slice(0, opts.step) : pending;
  }

  /** Applied migrations to revert, newest first; a missing file still counts, so it is never skipped. */
  function selectApplied(entries: readonly MigrationStatusEntry[], opts: DownOptions): string[] {
    const applied = entries
      .filter((e) => e.state === "applied" || e.state === "missing")
      .map((e) => e.name)
      .reverse();
    if (opts.to === 0) return applied;
    if (opts.to !== undefined) {
      const index = applied.indexOf(opts.to);
      const entry = entries.find((e) => e.name === opts.to);
      if (index < 0 && entry) throw new MigrationNotAppliedError(opts.to, entry.state);
      if (index < 0) throw new UnknownMigrationError(opts.to);
      return applied.slice(0, index + 1);
    }
    return applied.slice(0, opts.step ?? 1);
  }

  async function load(
    files: readonly MigrationFile[],
    names: readonly string[],
  ): Promise<Map<string, LoadedMigration>> {
    const byName = new Map(files.map((f) => [f.name, f]));
    const loaded = new Map<string, LoadedMigration>();
    for (const name of names) {
      const file = byName.get(name);
      if (!file) throw new UnknownMigrationError(name);
      loaded.set(name, { file, definition: await loadMigration(file) });
    }
    return loaded;
  }

  /**
   * Loads the migrations `down` reverts. One whose file is gone (allowed by
   * the caller) gets an empty definition: only its Qdrant half is reverted,
   * from its recorded snapshots.
   */
  async function loadForDown(
    files: readonly MigrationFile[],
    records: readonly MigrationRecord[],
    names: readonly string[],
  ): Promise<Map<string, LoadedMigration & { missing?: true }>> {
    const present = new Set(files.map((f) => f.name));
    const loaded = new Map<string, LoadedMigration & { missing?: true }>();
    const onDisk = await load(
      files,
      names.filter((n) => present.has(n)),
    );
    for (const name of names) {
      const migration = onDisk.get(name);
      if (migration) {
        loaded.set(name, migration);
        continue;
      }
      const checksum = records.find((r) => r.name === name)?.checksum ?? "";
      loaded.set(name, {
        file: { name, path: "", checksum },
        definition: {},
        missing: true,
      });
    }
    return loaded;
  }

  /** Retention: after an attempt, keep the newest `snapshots.keep` per collection it snapshotted. */
  async function pruneAfter(name: string): Promise<void> {
    const record = await rt.journal.get(name);
    for (const snapshot of record?.snapshots ?? []) {
      try {
        await pruneSnapshots(rt.qdrant, snapshot.collection, config.snapshots.keep, [
          snapshot.snapshot,
        ]);
      } catch (error) {
        const message = `could not prune old snapshots of ${snapshot.collection}: ${messageOf(error)}`;
        await emit({
          type: "log",
          level: "warn",
          migration: name,
          message: redactSecrets(message, rt.secrets),
        });
      }
    }
  }

  /** Runs the named migrations through Umzug, with our journal as its storage. */
  async function runWithUmzug(
    direction: "up" | "down",
    loaded: Map<string, LoadedMigration>,
    executed: readonly string[],
    restoreFrom: Map<string, QdrantChanges>,
    results: MigrationRunResult[],
    signal: AbortSignal,
  ): Promise<void> {
    const names = [...loaded.keys()];
    const total = names.length;
    let index = 0;
    const run = async (name: string) => {
      signal.throwIfAborted();
      const migration = loaded.get(name) as LoadedMigration;
      index++;
      await emit({ type: "migration-start", migration: name, direction, index, total });
      const result: MigrationRunResult = { name, direction, status: "error" };
      results.push(result);
      let durationMs: number;
      try {
        ({ durationMs } = await applyMigration(rt, migration, {
          direction,
          restoreFrom: restoreFrom.get(name),
          runner,
          signal,
          emit,
        }));
      } catch (error) {
        // Rolled back: the attempt's snapshots served their purpose and count
        // for retention too (a migration retried until it works would keep all).
        if (error instanceof MigrationFailedError) await pruneAfter(name);
        throw error;
      }
      result.status = "success";
      result.durationMs = durationMs;
      await emit({ type: "migration-done", migration: name, direction, durationMs });
      await pruneAfter(name);
    };
    // applyMigration records the final status inside the migration's own
    // transaction, so Umzug's log/unlog calls have nothing left to write.
    const storage: UmzugStorage = {
      executed: async () => [...executed],
      logMigration: async () => {},
      unlogMigration: async () => {},
    };
    const umzug = new Umzug({
      migrations: names.map((name) => ({
        name,
        path: loaded.get(name)?.file.path || undefined,
        up: () => run(name),
        down: () => run(name),
      })),
      storage,
      logger: undefined,
    });
    try {
      if (direction === "up") await umzug.up({ migrations: names });
      else await umzug.down({ migrations: names });
    } catch (error) {
      // Umzug wraps the step's error; report ours.
      throw error instanceof Error && error.cause !== undefined ? error.cause : error;
    }
    for (const name of names.slice(results.length)) {
      results.push({ name, direction, status: "not-executed" });
    }
  }

  return {
    async up(opts = {}) {
      const results: MigrationRunResult[] = [];
      let recovered: string[] = [];
      try {
        await withLock(async (runSignal, waitedSince) => {
          const interrupted = (await rt.journal.inProgress()).map((r) => r.name);
          if (interrupted.length > 0) {
            if (opts.autoRecover === false) throw new InterruptedMigrationError(interrupted);
            recovered = await recoverInterrupted(await rt.journal.inProgress());
          }
          const { files, records, entries } = await readState();
          const problems = historyProblems(entries, {
            changed: opts.allowChanged,
            missing: opts.allowMissing,
            outOfOrder: opts.allowOutOfOrder,
          });
          if (problems.length > 0) throw new HistoryMismatchError(problems);
          const names = selectPending(entries, opts);
          // A run that died (recovered above) may be retried; one that failed may not.
          const failedMeanwhile = records.find(
            (r) =>
              names.includes(r.name) &&
              r.status === "failed" &&
              !recovered.includes(r.name) &&
              waitedSince !== undefined &&
              r.finishedAt !== null &&
              r.finishedAt >= waitedSince,
          );
          if (failedMeanwhile) {
            throw new FailedWhileWaitingError(
              failedMeanwhile.name,
              failedMeanwhile.runner,
              failedMeanwhile.error,
            );
          }
          // Every file is loaded before anything runs: a broken file applies nothing.
          const loaded = await load(files, names);
          const executed = entries.filter((e) => e.state === "applied").map((e) => e.name);
          await runWithUmzug("up", loaded, executed, new Map(), results, runSignal);
        });
        return { results, recovered };
      } catch (error) {
        return { results: results, recovered, error: fail(error) };
      }
    },

    async down(opts = {}) {
      const results: MigrationRunResult[] = [];
      try {
        await withLock(async (runSignal) => {
          const interrupted = (await rt.journal.inProgress()).map((r) => r.name);
          if (interrupted.length > 0) throw new InterruptedMigrationError(interrupted, "down");
          const { files, records, entries } = await readState();
          const names = selectApplied(entries, opts);
          // The `down` that runs must be the one that belongs to the `up` that ran.
          const changed = entries.filter((e) => names.includes(e.name) && e.changed);
          if (changed.length > 0 && !opts.allowChanged) {
            throw new HistoryMismatchError(
              changed.map(
                (e) => `applied migration ${e.name} was changed since it ran (checksum differs)`,
              ),
            );
          }
          const missing = entries.filter((e) => names.includes(e.name) && e.state === "missing");
          if (missing.length > 0 && !opts.allowMissing) {
            throw new HistoryMismatchError(
              missing.map(
                (e) =>
                  `applied migration ${e.name} has no file any more, and down must not skip it ` +
                  "to revert an earlier one (--allow-missing reverts its Qdrant half from its snapshots)",
              ),
            );
          }
          const loaded = await loadForDown(files, records, names);
          const restoreFrom = new Map<string, QdrantChanges>();
          for (const [name, migration] of loaded) {
            const record = records.find((r) => r.name === name);
            const def = migration.definition;
            if (migration.missing) {
              if (!record?.appliedChanges) {
                throw new IrreversibleMigrationError(
                  name,
                  "its file is gone and no snapshots were recorded when it was applied " +
                    "(it was baselined, not run); restore the file.",
                );
              }
              restoreFrom.set(name, record.appliedChanges);
              await emit({
                type: "log",
                level: "warn",
                migration: name,
                message:
                  "its file is gone: its Qdrant half is restored from the snapshots taken when " +
                  "it was applied; its Postgres half (if any) is not reverted",
              });
              continue;
            }
            if (def.postgres && !def.postgres.down) {
              throw new IrreversibleMigrationError(
                name,
                "its postgres step has no `down`, and Postgres has no snapshots to restore from.",
              );
            }
            if (opts.fromSnapshot) {
              if (def.qdrant && !record?.appliedChanges) {
                throw new IrreversibleMigrationError(
                  name,
                  "no snapshots were recorded when it was applied (it was baselined, not run), " +
                    "so --from-snapshot has nothing to restore.",
                );
              }
              if (record?.appliedChanges) restoreFrom.set(name, record.appliedChanges);
            } else if (!isReversible(def)) {
              throw new IrreversibleMigrationError(
                name,
                "its qdrant step has no `down`. Pass --from-snapshot to restore the snapshots " +
                  "recorded when it was applied.",
              );
            }
          }
          const executed = entries
            .filter((e) => e.state === "applied" || e.state === "missing")
            .map((e) => e.name);
          await runWithUmzug("down", loaded, executed, restoreFrom, results, runSignal);
        });
        return { results, recovered: [] };
      } catch (error) {
        return { results: results, recovered: [], error: fail(error) };
      }
    },

    async plan(opts = {}) {
      const { files, records, entries } = await readState();
      const direction = opts.direction ?? "up";
      const names =
        direction === "up"
          ? selectPending(entries, opts)
          : selectApplied(entries, { to: opts.downTo, step: opts.downStep });
      const loaded =
        direction === "up" ? await load(files, names) : await loadForDown(files, records, names);
      const plan: PlanEntry[] = [];
      // A collection an earlier planned migration creates exists by the time a later one runs.
      const createdEarlier = new Set<string>();
      for (const [name, { definition }] of loaded) {
        const declared = definition.collections ?? [];
        const snapshots: string[] = [];
        const creates: string[] = [];
        for (const collection of declared) {
          const exists =
            createdEarlier.has(collection) ||
            (await rt.qdrant.client.collectionExists(collection)).exists;
          (exists ? snapshots : creates).push(collection);
        }
        for (const collection of creates) createdEarlier.add(collection);
        plan.push({ name, direction, description: definition.description, snapshots, creates });
      }
      return plan;
    },

    async status() {
      const { entries } = await readState();
      return { migrations: entries, collections: await rt.versions.list() };
    },

    async check() {
      const { entries } = await readState();
      const names = (pred: (e: MigrationStatusEntry) => boolean) =>
        entries.filter(pred).map((e) => e.name);
      const drift: DriftEntry[] = [];
      for (const recorded of await rt.versions.list()) {
        const live = await readLiveConfig(rt.qdrant, recorded.collectionName);
        const differences = live
          ? compareConfig(
              {
                vectorsConfig: recorded.vectorsConfig,
                payloadSchema: recorded.payloadSchema,
                config: recorded.config,
                aliases: recorded.aliases,
              },
              live,
            )
          : ["collection is recorded but does not exist in Qdrant"];
        if (differences.length > 0)
          drift.push({ collection: recorded.collectionName, differences });
      }
      const result: CheckResult = {
        ok: false,
        pending: names((e) => e.state === "pending"),
        changed: names((e) => e.changed),
        missing: names((e) => e.state === "missing"),
        failed: names((e) => e.state === "failed"),
        interrupted: names((e) => e.state === "in_progress"),
        outOfOrder: names((e) => e.outOfOrder),
        drift,
      };
      result.ok =
        result.pending.length +
          result.changed.length +
          result.missing.length +
          result.failed.length +
          result.interrupted.length +
          result.outOfOrder.length +
          drift.length ===
        0;
      return result;
    },

    async history() {
      await ensureTables();
      return rt.journal.list();
    },

    async repair() {
      return withLock(async () => {
        const recovered = await recoverInterrupted(await rt.journal.inProgress());
        const cleared: string[] = [];
        for (const record of await rt.journal.list()) {
          if (record.status !== "failed") continue;
          await rt.journal.remove(record.name);
          cleared.push(record.name);
        }
        return { recovered, cleared };
      });
    },

    async baseline({ to }) {
      return withLock(async () => {
        const { files, entries } = await readState();
        if (!files.some((f) => f.name === to)) throw new UnknownMigrationError(to);
        const stamped: string[] = [];
        for (const file of files) {
          if (file.name > to) break;
          if (entries.find((e) => e.name === file.name)?.state === "applied") continue;
          await rt.journal.stamp(file.name, file.checksum, "applied");
          stamped.push(file.name);
        }
        const { collections } = await rt.qdrant.client.getCollections();
        const names = collections.map((c) => c.name).sort();
        for (const collection of names) {
          const live = await readLiveConfig(rt.qdrant, collection);
          if (!live) continue;
          await rt.versions.record({
            collectionName: collection,
            vectorsConfig: live.vectorsConfig,
            payloadSchema: live.payloadSchema,
            aliases: live.aliases,
            config: live.config,
            lastMigration: to,
          });
        }
        return { stamped, collections: names };
      });
    },

    async listSnapshots() {
      const { collections } = await rt.qdrant.client.getCollections();
      const entries: SnapshotListEntry[] = [];
      for (const { name } of collections) {
        for (const s of await listSnapshots(rt.qdrant, name)) {
          entries.push({
            collection: name,
            name: s.name,
            size: s.size,
            creationTime: s.creation_time ?? null,
          });
        }
      }
      return entries;
    },

    async pruneSnapshots(opts = {}) {
      return withLock(async () => {
        const interrupted = (await rt.journal.inProgress()).map((r) => r.name);
        // Their snapshots are what recovery restores from.
        if (interrupted.length > 0) throw new InterruptedMigrationError(interrupted);
        const keep = opts.keep ?? config.snapshots.keep;
        const { collections } = await rt.qdrant.client.getCollections();
        const out: { collection: string; deleted: string[] }[] = [];
        for (const { name } of collections) {
          out.push({ collection: name, deleted: await pruneSnapshots(rt.qdrant, name, keep, []) });
        }
        return out;
      });
    },

    close: () => rt.close(),
  };
}

function changesOf(record: MigrationRecord): QdrantChanges {
  return {
    snapshots: record.snapshots,
    createdCollections: record.createdCollections,
    aliasesBefore: record.aliasesBefore,
    changedAliases: record.changedAliases,
  };
}

function toMigrateError(error: unknown, secrets: readonly string[]): QdrantMigrateError {
  if (error instanceof QdrantMigrateError) {
    error.message = redactSecrets(error.message, secrets);
    return error;
  }
  return new QdrantMigrateError("UNEXPECTED", redactSecrets(messageOf(error), secrets), {
    cause: error,
  });
}
