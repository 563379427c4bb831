import type { ConcurrentWritesPolicy, RollbackRestore } from "../config/rollback-options.js";
import type { QdrantChanges, SnapshotRecord } from "../journal/table-types.js";
import { repointAliasesOff, restoreAliases } from "../qdrant/aliases.js";
import { ShardSnapshotMissingError } from "../qdrant/cluster-errors.js";
import { collectionExists, restoreClusterSnapshot } from "../qdrant/cluster-snapshots.js";
import type { QdrantConnection } from "../qdrant/connect.js";
import { SnapshotRestoreError } from "../qdrant/errors.js";
import { revertPoints } from "../qdrant/revert-points.js";
import { restoreSchemaState, restoreStrictMode } from "../qdrant/schema-state.js";
import {
  copyName,
  dropCopy,
  isCopyOf,
  missingReplicaSnapshots,
  recoverCopy,
} from "../qdrant/snapshot-copy.js";
import type { TouchedPoints } from "../qdrant/touched-points.js";
import { findTouchedSinceSnapshot } from "../qdrant/touched-since-snapshot.js";
import {
  findWritesSinceSnapshot,
  type WritesSinceSnapshot,
} from "../qdrant/writes-since-snapshot.js";
import {
  ConcurrentWritesError,
  type ConcurrentWritesReport,
  reportOf,
} from "./concurrent-writes.js";
import type { Runtime } from "./runtime.js";

export interface UndoOptions {
  /** The migration whose changes are undone: the side copies are recorded as its. */
  migration: string;
  log: (message: string) => void;
  /** What to do with writes others made after the snapshots (default `refuse`). */
  policy?: ConcurrentWritesPolicy;
  /** How snapshotted collections are put back (`rollback.restore`, default `side-copy`). */
  restore?: RollbackRestore;
  /**
   * Drop side copies a dead run left (default true). False for a dry run,
   * which holds no lock: a running rollback's copy must not be dropped.
   */
  dropStaleCopies?: boolean;
  /**
   * Given, a snapshot whose files are gone does not stop the undo: its
   * collection's points are left as they are, everything else is undone, and
   * the loss is reported here (for `repair`, which must be able to finish).
   * Without it, a missing snapshot fails the undo (ShardSnapshotMissingError).
   */
  onLostSnapshot?: (lost: LostSnapshot) => void;
}

/** A snapshotted collection an undo could not put back: the snapshot files it needed are gone. */
export interface LostSnapshot {
  collection: string;
  /** Each replica whose snapshot file is gone: its peer, shard and file name. */
  replicas: { peerId: number; shardId: number; snapshot: string }[];
  /**
   * What the migration's writes may have left changed in it (journaled before
   * each write): point ids, a filter, or all of it; empty when it wrote none.
   */
  points: TouchedPoints[];
  /** The migration had dropped it: it was recreated from its recorded parameters, without points. */
  recreatedEmpty: boolean;
}

/** A snapshotted collection, its snapshot read back into a side copy, and what was written since. */
interface Inspected {
  snapshot: SnapshotRecord;
  /** The snapshot read back; undefined when the collection is gone (the migration dropped it). */
  side: string | undefined;
  writes: WritesSinceSnapshot | undefined;
  /** The whole collection was compared (`discard`): the restore must give back the snapshot's count. */
  comparedWhole: boolean;
  report: ConcurrentWritesReport;
}

/**
 * An undo checked and ready: every snapshot has been read back into a side
 * collection and compared with its collection (writes-since-snapshot.ts).
 * Apply it with `apply()`, or `close()` it to drop the side copies unused.
 */
export interface UndoInspection {
  reports: ConcurrentWritesReport[];
  /** Undoes the changes under the policy given to inspectUndo, then closes. */
  apply(): Promise<ConcurrentWritesReport[]>;
  close(): Promise<void>;
}

/**
 * Puts Qdrant back as it was before a migration run, from what the run (or its
 * journal row, after a crash) recorded: first checked (inspectUndo, which
 * refuses before anything changes), then applied in the order applyUndo
 * states. Safe to run again after it was interrupted itself.
 */
export async function undoQdrantChanges(
  rt: Runtime,
  changes: QdrantChanges,
  opts: UndoOptions,
): Promise<ConcurrentWritesReport[]> {
  const inspection = await inspectUndo(rt, changes, opts);
  return inspection.apply();
}

/**
 * The checking half of undoQdrantChanges: refuses before anything changes.
 * Each snapshotted collection the migration wrote points of is read back
 * into a side copy and its touched points compared with it
 * (touched-since-snapshot.ts); with `discard`, the whole collection
 * (writes-since-snapshot.ts), since the snapshot is then given back whole.
 * Others' writes found, and policy `refuse`: ConcurrentWritesError.
 */
export async function inspectUndo(
  rt: Runtime,
  changes: QdrantChanges,
  opts: UndoOptions,
): Promise<UndoInspection> {
  const policy = opts.policy ?? "refuse";
  const inspected: Inspected[] = [];
  const none = (collection: string) => reportOf(emptyWrites(collection), policy);
  const unchecked = (collection: string) =>
    reportOf({ ...emptyWrites(collection), attributable: false }, policy);
  const close = async () => {
    for (const { side } of inspected.splice(0)) {
      if (!side) continue;
      try {
        await dropCopy(await rt.topology(), side);
        await bookkeeping(rt.ledger.forgetCollection("copy", side));
      } catch {
        // Left recorded: the next undo of its collection drops it.
      }
    }
  };
  try {
    for (const snapshot of changes.snapshots) {
      if (!Array.isArray(snapshot.replicas)) throw legacyRecord(snapshot.collection);
      const { collection } = snapshot;
      // Read only when there is a snapshot: undoing creations and schema
      // changes must not depend on reading the cluster.
      const topology = await rt.topology();
      // Copies left by a dead run; never while another run may be using its own (a dry run holds no lock).
      if (opts.dropStaleCopies !== false) await dropStaleCopies(rt, collection);
      const mine = changes.touchedPoints.filter((t) => t.collection === collection);
      if (opts.onLostSnapshot && (await collectionExists(topology.conn, collection))) {
        const gone = await missingReplicaSnapshots(topology, snapshot);
        if (gone.length > 0) {
          opts.onLostSnapshot({
            collection,
            replicas: gone.map(({ peerId, shardId, snapshot }) => ({ peerId, shardId, snapshot })),
            points: mine,
            recreatedEmpty: false,
          });
          continue;
        }
      }
      if (mine.some((t) => t.all || t.overflow)) {
        // Rewritten whole (dropped, recreated, a named vector removed) or too
        // many points to list: others' writes cannot be told from the
        // migration's, and the collection is recovered from its shard snapshots.
        opts.log(
          `${collection} is restored whole from its snapshots, without checking for writes by others: ` +
            "the migration rewrote all of it, or more points than are tracked by id",
        );
        inspected.push(recoveredWhole(snapshot, unchecked(collection)));
        continue;
      }
      if (!(await collectionExists(topology.conn, collection))) {
        // Dropped by the migration: nobody else can have written to it, and it
        // is recreated from its snapshots (a copy could not even be read back:
        // Qdrant serves a shard snapshot only while its collection exists).
        inspected.push(recoveredWhole(snapshot, none(collection)));
        continue;
      }
      if (opts.restore === "in-place" && policy !== "keep") {
        // Chosen for speed: no side copy, no check; `keep` cannot be honoured in place.
        opts.log(
          `${collection} is recovered in place from its snapshots (rollback.restore "in-place"): ` +
            "every write since the snapshot is discarded, and its reads fail while it recovers",
        );
        inspected.push(recoveredWhole(snapshot, unchecked(collection)));
        continue;
      }
      const side = copyName(collection);
      const comparedWhole = policy === "discard";
      // Listed before it exists, so that close() drops it whatever fails from here on.
      const entry: Inspected = {
        snapshot,
        side,
        writes: undefined,
        comparedWhole,
        report: none(collection),
      };
      inspected.push(entry);
      await bookkeeping(rt.ledger.addCopy(opts.migration, side));
      await recoverCopy(topology, snapshot, side);
      const compare = comparedWhole ? findWritesSinceSnapshot : findTouchedSinceSnapshot;
      const writes = await compare(topology.conn, collection, side, mine);
      entry.writes = writes;
      entry.report = reportOf(writes, policy);
    }
  } catch (error) {
    await close();
    throw error;
  }
  const reports = inspected.map((i) => i.report);
  if (reports.some((r) => r.outcome === "refused")) {
    await close();
    throw new ConcurrentWritesError(reports);
  }
  return {
    reports,
    close,
    apply: async () => {
      try {
        await applyUndo(rt, changes, inspected, opts);
        return reports;
      } finally {
        await close();
      }
    },
  };
}

/** A collection put back whole from its shard snapshots (no side copy). */
function recoveredWhole(snapshot: SnapshotRecord, report: ConcurrentWritesReport): Inspected {
  return { snapshot, side: undefined, writes: undefined, comparedWhole: false, report };
}

/**
 * Applies an inspected undo, in this order (the one account of it; the docs
 * point here):
 *
 * 1. collections recovered whole from their shard snapshots (dropped or
 *    rewritten whole by the migration, too many points to list, or
 *    `rollback.restore: "in-place"`), after deleting this run's aliases that
 *    stand where a dropped one had its name; reads of each fail meanwhile;
 * 2. aliases a blue-green switch moved onto a created collection pointed back;
 * 3. collections the run created dropped;
 * 4. each other snapshotted collection put back point by point from its side
 *    copy (its schema first, its strict mode last): the touched points and,
 *    unless the policy is `keep`, others' writes found; it keeps answering;
 * 5. the remaining schema-only changes undone by their inverse;
 * 6. the aliases put back and verified.
 */
async function applyUndo(
  rt: Runtime,
  changes: QdrantChanges,
  inspected: readonly Inspected[],
  opts: UndoOptions,
): Promise<void> {
  const { log } = opts;
  const restored = new Set(changes.snapshots.map((s) => s.collection));
  /** Collections whose schema was put back before their points. */
  const schemaDone = new Set<string>();
  // Recovered whole first: an alias a blue-green switch moved off a dropped
  // collection can then point back at it before its new target is dropped.
  const whole = inspected.filter((i) => !i.side || !i.writes);
  // A dropped collection whose name the migration gave to an alias (adopting
  // it behind an alias) can only be recreated once that alias is gone.
  if (whole.length > 0) await clearAliasesInTheWay(rt, changes, whole);
  for (const { snapshot } of whole) {
    log(
      `restoring collection ${snapshot.collection} from ${snapshot.replicas.length} shard snapshot(s)`,
    );
    try {
      await restoreClusterSnapshot(await rt.topology(), snapshot, { log });
    } catch (error) {
      if (!(opts.onLostSnapshot && error instanceof ShardSnapshotMissingError)) throw error;
      // Only a collection the migration dropped gets here (the others were
      // checked before anything changed): recreated, but its points are gone.
      const { peerId, shardId, snapshot: file } = error;
      opts.onLostSnapshot({
        collection: snapshot.collection,
        replicas: [{ peerId: peerId ?? -1, shardId: shardId ?? -1, snapshot: file }],
        points: changes.touchedPoints.filter((t) => t.collection === snapshot.collection),
        recreatedEmpty: true,
      });
    }
  }
  if (changes.aliasesBefore && changes.createdCollections.length > 0) {
    // A rolled-back blue-green switch: the alias goes back before its new target is dropped.
    await repointAliasesOff(rt.qdrant, changes.aliasesBefore, new Set(changes.createdCollections));
  }
  for (const collection of changes.createdCollections) {
    if (restored.has(collection)) continue;
    const { exists } = await rt.qdrant.client.collectionExists(collection);
    if (exists) {
      log(`dropping collection ${collection}, which the migration created`);
      await rt.qdrant.client.deleteCollection(collection);
    }
    await bookkeeping(rt.ledger.forgetCollection("collection", collection));
  }
  for (const { snapshot, side, writes, comparedWhole, report } of inspected) {
    if (!side || !writes) continue;
    const { collection } = snapshot;
    const topology = await rt.topology();
    // The named vectors and indexes the points need, as they were, before the points.
    const schema = changes.schemasBefore.find((s) => s.collection === collection);
    if (schema) await restoreSchemaState(rt.qdrant, schema, log, { strictMode: false });
    schemaDone.add(collection);
    const others =
      report.outcome === "kept" ? [] : [...writes.added, ...writes.changed, ...writes.removed];
    const ids = [...writes.touched, ...others];
    log(`putting back ${ids.length} point(s) of ${collection} from its snapshot`);
    await revertPoints(topology.conn, collection, side, ids);
    // Only a collection given back whole has a known count; touched points are proven one by one.
    if (comparedWhole) await proveCount(topology.conn, snapshot);
    if (schema) await restoreStrictMode(rt.qdrant, schema, log);
  }
  for (const schema of changes.schemasBefore) {
    if (!schemaDone.has(schema.collection)) await restoreSchemaState(rt.qdrant, schema, log);
  }
  if (changes.aliasesBefore) {
    await restoreAliases(rt.qdrant, changes.aliasesBefore, aliasScope(changes));
  }
}

/**
 * Drops the side copies of `collection` this project's undos recorded and a
 * dead run left. A copy of the same shape that is not in this project's
 * ledger is another project's (whose run may be reading it), or one this
 * project could not record (Postgres was unreachable): left alone.
 */
async function dropStaleCopies(rt: Runtime, collection: string): Promise<void> {
  // Unreadable (Postgres unreachable): the next undo of the collection drops them.
  const recorded = await rt.ledger.copies().catch(() => []);
  for (const copy of recorded) {
    if (!isCopyOf(copy, collection)) continue;
    await dropCopy(await rt.topology(), copy);
    await bookkeeping(rt.ledger.forgetCollection("copy", copy));
  }
}

/**
 * A ledger write of an undo. The undo puts Qdrant back even while Postgres
 * is unreachable (the connection loss may be why it runs), so such a write
 * never stops it. What it costs: a copy left unrecorded by a run that then
 * dies is left alone, never dropped; a dropped collection still recorded
 * stays a candidate only for `collections prune`, which lists what exists.
 */
async function bookkeeping(write: Promise<void>): Promise<void> {
  await write.catch(() => {});
}

/**
 * Deletes the aliases this run changed that stand where a collection to be
 * recreated had its name.
 */
async function clearAliasesInTheWay(
  rt: Runtime,
  changes: QdrantChanges,
  whole: readonly Inspected[],
): Promise<void> {
  const scope = aliasScope(changes).aliases;
  const { aliases } = await rt.qdrant.client.getAliases();
  const inTheWay = aliases
    .map((a) => a.alias_name)
    .filter((a) => scope.has(a) && whole.some((i) => i.snapshot.collection === a));
  if (inTheWay.length > 0) {
    await rt.qdrant.client.updateCollectionAliases({
      actions: inTheWay.map((alias_name) => ({ delete_alias: { alias_name } })),
    });
  }
}

/** After a point-by-point restore that discarded every other write: the snapshot's exact count. */
async function proveCount(conn: QdrantConnection, snapshot: SnapshotRecord): Promise<void> {
  const { count } = await conn.client.count(snapshot.collection, { exact: true });
  if (count !== snapshot.pointsCount) {
    throw new SnapshotRestoreError(
      snapshot.collection,
      "(point by point)",
      `it holds ${count} points after the restore, not the ${snapshot.pointsCount} recorded with its snapshot`,
      "Running the rollback again compares it with the snapshot anew and puts back what differs.",
    );
  }
}

function emptyWrites(collection: string) {
  return {
    collection,
    attributable: true,
    added: [],
    changed: [],
    removed: [],
    touched: [],
  };
}

/**
 * The aliases undoing `changes` may move: those the run changed, and those
 * that pointed at a collection it snapshotted or created. Every other alias on
 * the server (another application's) is left alone.
 */
export function aliasScope(changes: QdrantChanges): {
  aliases: Set<string>;
  collections: Set<string>;
} {
  const collections = new Set([
    ...changes.snapshots.map((s) => s.collection),
    ...changes.createdCollections,
  ]);
  const aliases = new Set(changes.changedAliases);
  for (const alias of changes.aliasesBefore ?? []) {
    if (collections.has(alias.collection)) aliases.add(alias.alias);
  }
  return { aliases, collections };
}

/**
 * A journal row written before snapshots were taken per shard replica (one
 * collection snapshot, no `replicas`) cannot be restored by this version.
 */
function legacyRecord(collection: string): SnapshotRestoreError {
  return new SnapshotRestoreError(
    collection,
    "(collection snapshot)",
    "it was recorded by an earlier qdrant-migrate as one collection snapshot, which this " +
      "version no longer restores; recover that snapshot with Qdrant's snapshot API, then run `repair`",
  );
}
