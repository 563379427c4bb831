import type { Kysely } from "kysely";
import { ScopedJournalTable } from "./journal-scope.js";
import type { JournalDatabase, SnapshotRecord } from "./table-types.js";

/** A shard snapshot file this project's runs took, as the ledger records it. */
export interface OwnedSnapshotFile {
  collection: string;
  peerId: number;
  shardId: number;
  snapshot: string;
  migration: string;
}

/**
 * The `<prefix>created_objects` table: every shard snapshot, collection and
 * side copy this project's runs made in Qdrant, whichever attempt made it.
 * Retention, `collections prune` and stale-copy cleanup act only on what it
 * names, since the Qdrant server may be shared with other projects (other
 * table prefixes, other databases) whose files look alike. A row is written
 * in the same transaction as the journal record it mirrors, and removed once
 * this project deleted what it names.
 */
export class CreatedObjects extends ScopedJournalTable {
  /** Every snapshot file recorded, optionally of one collection only. */
  async snapshots(collection?: string): Promise<OwnedSnapshotFile[]> {
    let query = this.db
      .selectFrom("journalCreatedObjects")
      .select(["collection", "peer_id", "shard_id", "snapshot", "migration"])
      .where("kind", "=", "snapshot");
    if (collection !== undefined) query = query.where("collection", "=", collection);
    const rows = await query.orderBy("id").execute();
    return rows.map((r) => ({
      collection: r.collection,
      peerId: Number(r.peer_id),
      shardId: r.shard_id,
      snapshot: r.snapshot,
      migration: r.migration,
    }));
  }

  /** The collections this project's migrations created (and did not delete since). */
  async collections(): Promise<Set<string>> {
    return new Set(await this.#names("collection"));
  }

  /** The side copies undos created and have not dropped yet. */
  async copies(): Promise<string[]> {
    return this.#names("copy");
  }

  /** Records a side copy before it is created, so a run that dies leaves its name. */
  async addCopy(migration: string, copy: string): Promise<void> {
    await this.db
      .insertInto("journalCreatedObjects")
      .values({ kind: "copy", collection: copy, migration })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  /**
   * Records the files of a snapshot no rollback reads (a server-side clone's
   * source), so that retention deletes them if the run dies before it does.
   */
  async addSnapshotFiles(
    migration: string,
    rec: Pick<SnapshotRecord, "collection" | "replicas">,
  ): Promise<void> {
    await recordSnapshotFiles(this.db, migration, rec);
  }

  /** Forgets a snapshot file this project deleted (or found gone). */
  async forgetSnapshot(file: Omit<OwnedSnapshotFile, "migration">): Promise<void> {
    await this.db
      .deleteFrom("journalCreatedObjects")
      .where("kind", "=", "snapshot")
      .where("collection", "=", file.collection)
      .where("peer_id", "=", String(file.peerId))
      .where("shard_id", "=", file.shardId)
      .where("snapshot", "=", file.snapshot)
      .execute();
  }

  /** Forgets a collection or side copy this project deleted. */
  async forgetCollection(kind: "collection" | "copy", name: string): Promise<void> {
    await this.db
      .deleteFrom("journalCreatedObjects")
      .where("kind", "=", kind)
      .where("collection", "=", name)
      .execute();
  }

  async #names(kind: "collection" | "copy"): Promise<string[]> {
    const rows = await this.db
      .selectFrom("journalCreatedObjects")
      .select("collection")
      .where("kind", "=", kind)
      .orderBy("id")
      .execute();
    return rows.map((r) => r.collection);
  }
}

/** Records every replica file of a snapshot, in the caller's (journal-scoped) transaction. */
export async function recordSnapshotFiles(
  scoped: Kysely<JournalDatabase>,
  migration: string,
  rec: Pick<SnapshotRecord, "collection" | "replicas">,
): Promise<void> {
  if (rec.replicas.length === 0) return;
  await scoped
    .insertInto("journalCreatedObjects")
    .values(
      rec.replicas.map((r) => ({
        kind: "snapshot" as const,
        collection: rec.collection,
        peer_id: r.peerId,
        shard_id: r.shardId,
        snapshot: r.snapshot,
        migration,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Records a collection a migration is about to create, in the caller's transaction. */
export async function recordCreatedCollection(
  scoped: Kysely<JournalDatabase>,
  migration: string,
  collection: string,
): Promise<void> {
  await scoped
    .insertInto("journalCreatedObjects")
    .values({ kind: "collection", collection, migration })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * Forgets a collection Qdrant refused to create, in the caller's transaction:
 * only the ledger row this attempt wrote (same migration, written since the
 * attempt started). One an earlier run wrote stays: the collection exists
 * because this project made it then.
 */
export async function forgetRefusedCollection(
  scoped: Kysely<JournalDatabase>,
  migration: string,
  collection: string,
): Promise<void> {
  await scoped
    .deleteFrom("journalCreatedObjects")
    .where("kind", "=", "collection")
    .where("collection", "=", collection)
    .where("migration", "=", migration)
    .where((eb) =>
      eb(
        "created_at",
        ">=",
        eb.selectFrom("journalMigrations").select("started_at").where("name", "=", migration),
      ),
    )
    .execute();
}
