import type { AliasRecord, QdrantChanges, SnapshotRecord } from "../journal/schema.js";
import { readAliases } from "../qdrant/aliases.js";
import { takeClusterSnapshot } from "../qdrant/cluster-snapshots.js";
import type { TrackingHooks } from "../qdrant/tracking-client.js";
import { CollectionBusyError } from "./errors.js";
import type { MigratorEvent } from "./events.js";
import type { Runtime } from "./runtime.js";

/**
 * Implements the tracking client's hooks for one migration run: snapshots each
 * existing collection before its first change (lazy snapshots), records
 * collections about to be created, the alias state before any change and the
 * aliases about to change, and journals each of these (committed) before the
 * change itself is sent, so a crash at any point leaves what undoing needs.
 */
export class ChangeTracker {
  private readonly snapshots = new Map<string, SnapshotRecord>();
  private readonly created = new Set<string>();
  private readonly changedAliases = new Set<string>();
  private aliasesBefore: AliasRecord[] | null = null;
  private aliasesRecording: Promise<void> | undefined;

  constructor(
    private readonly rt: Runtime,
    private readonly migration: string,
    private readonly emit: (event: MigratorEvent) => Promise<void>,
    private readonly signal: AbortSignal,
  ) {}

  readonly hooks: TrackingHooks = {
    beforeMutate: (collection) => this.protect(collection),
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

  /** Snapshots `collection` unless this run already did, or created it, or it does not exist. */
  async protect(collection: string): Promise<void> {
    if (this.snapshots.has(collection) || this.created.has(collection)) return;
    const { exists } = await this.rt.qdrant.client.collectionExists(collection);
    if (!exists) return;
    await this.recordAliases();
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

  changes(): QdrantChanges {
    return {
      snapshots: [...this.snapshots.values()],
      createdCollections: [...this.created],
      aliasesBefore: this.aliasesBefore,
      changedAliases: [...this.changedAliases],
    };
  }

  /** Collections whose recorded schema must be refreshed after success. */
  touchedCollections(): string[] {
    const names = new Set([...this.snapshots.keys(), ...this.created]);
    for (const alias of this.aliasesBefore ?? []) {
      if (this.changedAliases.has(alias.alias)) names.add(alias.collection);
    }
    return [...names].sort();
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
