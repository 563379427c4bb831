import type { Selectable } from "kysely";
import { sql } from "kysely";
import { ScopedJournalTable } from "./journal-scope.js";
import type {
  JournalSchemaVersionsTable,
  JournalWriteOptions,
  RecordedSchemaVersion,
} from "./table-types.js";

/** The recorded schema of one Qdrant collection and how many migrations changed it. */
export interface SchemaVersionRecord extends RecordedSchemaVersion {
  collectionName: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The `qdrant_schema_versions` table: the current schema version of each collection. */
export class SchemaVersions extends ScopedJournalTable {
  /**
   * Records the collection's schema after a migration: version 1 for a
   * collection not seen before, else one more than recorded. Returns the new version.
   */
  async record(
    input: {
      collectionName: string;
      vectorsConfig: unknown;
      payloadSchema: unknown;
      aliases: string[];
      config: unknown;
      lastMigration: string;
    },
    opts?: JournalWriteOptions,
  ): Promise<number> {
    const state = {
      vectors_config: toJson(input.vectorsConfig),
      payload_schema: toJson(input.payloadSchema),
      aliases: JSON.stringify(input.aliases),
      config: toJson(input.config),
      last_migration: input.lastMigration,
    };
    const row = await this.scoped(opts)
      .insertInto("journalSchemaVersions")
      .values({ collection_name: input.collectionName, schema_version: 1, ...state })
      .onConflict((oc) =>
        oc.column("collection_name").doUpdateSet((eb) => ({
          ...state,
          schema_version: eb(eb.ref("journalSchemaVersions.schema_version"), "+", 1),
          // The database clock, not now(): within a transaction now() is its start.
          updated_at: sql<Date>`clock_timestamp()`,
        })),
      )
      .returning("schema_version")
      .executeTakeFirstOrThrow();
    return row.schema_version;
  }

  /**
   * Puts the collection's row back as `recorded` (a reverted migration's
   * version goes back to the one it replaced).
   */
  async restore(
    collectionName: string,
    recorded: RecordedSchemaVersion,
    opts?: JournalWriteOptions,
  ): Promise<void> {
    const state = {
      schema_version: recorded.schemaVersion,
      vectors_config: toJson(recorded.vectorsConfig),
      payload_schema: toJson(recorded.payloadSchema),
      aliases: JSON.stringify(recorded.aliases),
      config: toJson(recorded.config),
      last_migration: recorded.lastMigration,
    };
    await this.scoped(opts)
      .insertInto("journalSchemaVersions")
      .values({ collection_name: collectionName, ...state })
      .onConflict((oc) =>
        oc
          .column("collection_name")
          .doUpdateSet({ ...state, updated_at: sql<Date>`clock_timestamp()` }),
      )
      .execute();
  }

  /** Replaces the recorded aliases of the collection, keeping its version. */
  async setAliases(
    collectionName: string,
    aliases: readonly string[],
    opts?: JournalWriteOptions,
  ): Promise<void> {
    await this.scoped(opts)
      .updateTable("journalSchemaVersions")
      .set({ aliases: JSON.stringify(aliases), updated_at: sql<Date>`clock_timestamp()` })
      .where("collection_name", "=", collectionName)
      .execute();
  }

  /** Forgets the collection (it was dropped); no error if it was never recorded. */
  async remove(collectionName: string, opts?: JournalWriteOptions): Promise<void> {
    await this.scoped(opts)
      .deleteFrom("journalSchemaVersions")
      .where("collection_name", "=", collectionName)
      .execute();
  }

  /** The collection's row; read in the caller's transaction when given. */
  async get(
    collectionName: string,
    opts?: JournalWriteOptions,
  ): Promise<SchemaVersionRecord | undefined> {
    const row = await this.scoped(opts)
      .selectFrom("journalSchemaVersions")
      .selectAll()
      .where("collection_name", "=", collectionName)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** Every recorded collection, ordered by name (byte order, whatever the collation). */
  async list(): Promise<SchemaVersionRecord[]> {
    const rows = await this.db
      .selectFrom("journalSchemaVersions")
      .selectAll()
      .orderBy(sql`collection_name COLLATE "C"`)
      .execute();
    return rows.map(toRecord);
  }
}

/** JSON text for a jsonb column; `undefined` (no value) becomes SQL NULL. */
function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function toRecord(row: Selectable<JournalSchemaVersionsTable>): SchemaVersionRecord {
  return {
    collectionName: row.collection_name,
    schemaVersion: row.schema_version,
    vectorsConfig: row.vectors_config,
    payloadSchema: row.payload_schema,
    aliases: row.aliases ?? [],
    config: row.config,
    lastMigration: row.last_migration,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
