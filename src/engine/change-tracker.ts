import type { AliasRecord, QdrantChanges, SnapshotRecord } from "../journal/table-types.js";
import { readAliases } from "../qdrant/aliases.js";
import { takeClusterSnapshot } from "../qdrant/cluster-snapshots.js";
import { readSchemaState, type SchemaStateRecord } from "../qdrant/schema-state.js";
import { assertClusterReady } from "../qdrant/topology.js";
import { MAX_TOUCHED_IDS, pointKey, type TouchedPoints } from "../qdrant/touched-points.js";
import type { ChangeKind, TrackingHooks } from "../qdrant/tracking-client.js";
import { CollectionBusyError } from "./errors.js";
import type { MigratorEvent } from "./events.js";
import type { Runtime } from "./runtime.js";

/**
 * Implements the tracking client's hooks for one migration run. Before the
 * first change of an existing collection it checks that every replica can be
 * covered (assertClusterReady) and records the collection's schema, from
 * which schema-only changes are undone by their inverse; before the first
 * change that may delete or overwrite data (or any change, with
 * `snapshot: "always"`) it snapshots every replica (lazy snapshots). It
 * records collections about to be created, the alias state before any change
 * and the aliases about to change, and journals each of these (committed)
 * before the change itself is sent, so a crash at any point leaves what
 * undoing needs.
 */
export class ChangeTracker {
  private readonly snapshots = new Map<string, SnapshotRecord>();
  private readonly schemas = new Map<string, SchemaStateRecord>();
  private readonly schemaRecording = new Map<string, Promise<void>>();
  private readonly created = new Set<string>();
  private readonly changedAliases = new Set<string>();
  private readonly touched = new Map<string, { keys: Set<string>; done: boolean }>();
  /** Per collection, the journal write in flight: a later write waits for it. */
  private readonly touchedJournaling = new Map<string, Promise<void>>();
  private readonly touchedRecords: TouchedPoints[] = [];
  private aliasesBefore: AliasRecord[] | null = null;
  private aliasesRecording: Promise<void> | undefined;

  constructor(
    private readonly rt: Runtime,
    private readonly migration: string,
    private readonly emit: (event: MigratorEvent) => Promise<void>,
    private readonly signal: AbortSignal,
    /** The migration's `snapshot: "always"`: snapshot before schema-only changes too. */
    private readonly snapshotAlways = false,
  ) {}

  /**
   * Takes over what an interrupted run of this migration journaled, before
   * the step runs again: its snapshots, schemas, creations, aliases and
   * touched points stay this run's (its row keeps them), so nothing is
   * snapshotted again over the half-done state, and undoing this run puts
   * Qdrant back as it was before the first attempt.
   */
  seed(changes: QdrantChanges): void {
    for (const s of changes.snapshots) this.snapshots.set(s.collection, s);
    for (const s of changes.schemasBefore) {
      this.schemas.set(s.collection, s);
      this.schemaRecording.set(s.collection, Promise.resolve());
    }
    for (const c of changes.createdCollections) this.created.add(c);
    for (const a of changes.changedAliases) this.changedAliases.add(a);
    if (changes.aliasesBefore) {
      this.aliasesBefore = changes.aliasesBefore;
      this.aliasesRecording = Promise.resolve();
    }
    for (const t of changes.touchedPoints) {
      this.touchedRecords.push(t);
      let seen = this.touched.get(t.collection);
      if (!seen) {
        seen = { keys: new Set(), done: false };
        this.touched.set(t.collection, seen);
      }
      for (const id of t.ids ?? []) seen.keys.add(pointKey(id));
      if (t.overflow) seen.done = true;
    }
  }

  readonly hooks: TrackingHooks = {
    beforeMutate: (collection, kind) => this.protect(collection, kind),
    beforeDataWrite: (touched) => this.recordTouched(touched),
    beforeCreate: async (collection) => {
      if (this.snapshots.has(collection) || this.created.has(collection)) return;
      await this.recordAliases();
      await this.emit({ type: "collection-creating", migration: this.migration, collection });
      await this.rt.journal.addCreatedCollection(this.migration, collection);
      this.created.add(collection);
    },
    beforeAliasChange: async (aliases) => {
      await this.recordAliases();
      await this.rt.journal.addChangedAliases(this.migration, aliases);
      for (const alias of aliases) this.changedAliases.add(alias);
    },
    createRefused: async (collection) => {
      this.created.delete(collection);
      await this.rt.journal.removeCreatedCollection(this.migration, collection);
    },
  };

  /**
   * Records what undoing a `kind` change of `collection` needs, unless this
   * run already did, or created it, or it does not exist: its schema always,
   * a snapshot for a data change (or with `snapshot: "always"`).
   */
  async protect(collection: string, kind: ChangeKind = "data"): Promise<void> {
    if (this.snapshots.has(collection) || this.created.has(collection)) return;
    const snapshotNeeded = kind === "data" || this.snapshotAlways;
    if (!snapshotNeeded && this.schemas.has(collection)) return;
    const { exists } = await this.rt.qdrant.client.collectionExists(collection);
    if (!exists) return;
    await this.recordAliases();
    await this.recordSchema(collection);
    if (!snapshotNeeded || this.snapshots.has(collection)) return;
    await this.emit({ type: "snapshot-taking", migration: this.migration, collection });
    const record = await this.takeStableSnapshot(collection);
    await this.rt.journal.addSnapshot(this.migration, record);
    this.snapshots.set(collection, record);
    await this.emit({ type: "snapshot-taken", migration: this.migration, snapshot: record });
  }

  /**
   * A restore is proven by the point counts recorded with the snapshots, so
   * they must not move while the snapshots are taken: something else writing
   * to the collection (an old app version during a rolling deploy) would make
   * every rollback unprovable. takeClusterSnapshot retries, then this refuses
   * before the migration has changed anything.
   */
  private async takeStableSnapshot(collection: string): Promise<SnapshotRecord> {
    await this.rt.snapshotSpacing.waitTurn(collection, this.signal);
    const record = await takeClusterSnapshot(await this.rt.topology(), collection, {
      busyError: () => new CollectionBusyError(collection, this.migration),
    });
    this.rt.snapshotSpacing.note(collection, Date.now());
    return { ...record, takenAt: new Date().toISOString() };
  }

  /**
   * Once per collection: refuses unless every replica is reachable and Active
   * (before anything changes), then journals the collection's schema.
   */
  private recordSchema(collection: string): Promise<void> {
    let recording = this.schemaRecording.get(collection);
    if (!recording) {
      recording = (async () => {
        await assertClusterReady(await this.rt.topology(), [collection]);
        const record = await readSchemaState(this.rt.qdrant, collection);
        await this.rt.journal.addSchemaBefore(this.migration, record);
        this.schemas.set(collection, record);
      })();
      this.schemaRecording.set(collection, recording);
      recording.catch(() => this.schemaRecording.delete(collection));
    }
    return recording;
  }

  /**
   * Journals the points a data write of a snapshotted collection may change
   * (only ids not yet recorded), so a rollback can tell them from writes
   * others made meanwhile. Collections the step created are dropped on
   * rollback, and schema-only ones have no snapshot: nothing to tell apart.
   */
  private recordTouched(touched: TouchedPoints): Promise<void> {
    // One at a time per collection: a write whose ids an earlier write is
    // still journaling must not be sent before that record is committed.
    const previous = this.touchedJournaling.get(touched.collection) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.journalTouched(touched));
    this.touchedJournaling.set(touched.collection, next);
    return next;
  }

  private async journalTouched(touched: TouchedPoints): Promise<void> {
    const { collection } = touched;
    if (!this.snapshots.has(collection)) return;
    let seen = this.touched.get(collection);
    if (!seen) {
      seen = { keys: new Set(), done: false };
      this.touched.set(collection, seen);
    }
    if (seen.done) return;
    const fresh = (touched.ids ?? []).filter((id) => !seen.keys.has(pointKey(id)));
    let record: TouchedPoints;
    if (seen.keys.size + fresh.length > MAX_TOUCHED_IDS) {
      record = { collection, overflow: true };
      seen.done = true;
    } else {
      for (const id of fresh) seen.keys.add(pointKey(id));
      record = { collection };
      if (fresh.length > 0) record.ids = fresh;
      if (touched.filter) record.filter = touched.filter;
      if (touched.all) record.all = true;
      if (!record.ids && !record.filter && !record.all) return;
    }
    await this.rt.journal.addTouchedPoints(this.migration, record);
    this.touchedRecords.push(record);
  }

  changes(): QdrantChanges {
    return {
      snapshots: [...this.snapshots.values()],
      schemasBefore: [...this.schemas.values()],
      createdCollections: [...this.created],
      aliasesBefore: this.aliasesBefore,
      changedAliases: [...this.changedAliases],
      touchedPoints: [...this.touchedRecords],
    };
  }

  /** Collections the run changed: each gets its next schema version after success. */
  touchedCollections(): string[] {
    return [...new Set([...this.snapshots.keys(), ...this.schemas.keys(), ...this.created])].sort();
  }

  /** The aliases the run changed, and the collections they pointed at before it. */
  aliasMoves(): { aliases: string[]; previousTargets: string[] } {
    const previousTargets = (this.aliasesBefore ?? [])
      .filter((a) => this.changedAliases.has(a.alias))
      .map((a) => a.collection);
    return { aliases: [...this.changedAliases], previousTargets };
  }

  /** Aliases are recorded once, before the first change of any kind. */
  private recordAliases(): Promise<void> {
    this.aliasesRecording ??= (async () => {
      const aliases = await readAliases(this.rt.qdrant);
      await this.rt.journal.setAliasesBefore(this.migration, aliases);
      this.aliasesBefore = aliases;
    })();
    return this.aliasesRecording;
  }
}
