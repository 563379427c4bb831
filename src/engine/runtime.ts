import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { postgresConnectionUrl, type ResolvedConfig } from "../config/resolve-config.js";
import { configSecrets } from "../config/secrets.js";
import { CreatedObjects } from "../journal/created-objects.js";
import { MigrationJournal } from "../journal/migration-journal.js";
import { RunLog } from "../journal/run-log.js";
import { SchemaVersions } from "../journal/schema-versions.js";
import { type JournalDatabase, type JournalTables, journalTables } from "../journal/table-types.js";
import { postgresConnectionError } from "../postgres/connection-error.js";
import { connectQdrant, type QdrantConnection } from "../qdrant/connect.js";
import { readTopology, type Topology } from "../qdrant/topology.js";
import { ConnectionErrors } from "./connection-errors.js";
import { SnapshotSpacing } from "./snapshot-spacing.js";

/** How long to wait for a Postgres connection; `--wait` is for servers that are still starting. */
const POSTGRES_CONNECT_TIMEOUT_MS = 10_000;

/** The connections one run uses: one pool for Postgres, one client for Qdrant. */
export interface Runtime {
  db: Kysely<JournalDatabase>;
  qdrant: QdrantConnection;
  /**
   * Single node or cluster, and how to reach each peer: read on first use and
   * kept until `forgetTopology()`, which each locked run calls first (peers
   * may have joined or left between runs).
   */
  topology(): Promise<Topology>;
  forgetTopology(): void;
  tables: JournalTables;
  journal: MigrationJournal;
  /** Every attempt of every migration (the journal keeps only each one's latest). */
  runs: RunLog;
  /** Every snapshot file, collection and side copy this project made in Qdrant. */
  ledger: CreatedObjects;
  versions: SchemaVersions;
  /** Values that must never be printed: the Postgres password, the Qdrant API key. */
  secrets: string[];
  snapshotSpacing: SnapshotSpacing;
  /** Failures of checked-out Postgres connections (a migration's transaction). */
  connectionErrors: ConnectionErrors;
  close(): Promise<void>;
}

export function openRuntime(config: ResolvedConfig): Runtime {
  // The direct URL when set: migrations, the lock and the journal need a real session or transaction.
  const url = postgresConnectionUrl(config.postgres);
  const pool = new pg.Pool({
    connectionString: url,
    // The journal writes on one connection while a migration's transaction holds another.
    max: 3,
    // Behind a session pooler an idle client keeps a server connection from
    // others: a runner waiting for the lock must not starve the one holding it.
    idleTimeoutMillis: 1_000,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    application_name: "qdrant-migrate",
  });
  // A client that dies (server restart, pg_terminate_backend) must not crash the
  // process: idle ones report through the pool, checked-out ones (a migration's
  // open transaction) through their own listener; the next query on it fails.
  pool.on("error", () => {});
  const connectionErrors = new ConnectionErrors();
  connectionErrors.attach(pool);
  // Every connection the journal and the migrations use comes through here: a
  // failure to connect surfaces as a typed error naming host, port and database.
  const typedPool = {
    connect: () =>
      pool.connect().catch((error: unknown) => {
        throw postgresConnectionError(error, url) ?? error;
      }),
    end: () => pool.end(),
  };
  const db = new Kysely<JournalDatabase>({ dialect: new PostgresDialect({ pool: typedPool }) });
  const tables = journalTables(config.postgres.schema, config.postgres.tablePrefix);
  const connect = (url: string) =>
    connectQdrant({ url, apiKey: config.qdrant.apiKey, timeoutMs: config.qdrant.timeoutMs });
  const qdrant = connect(config.qdrant.url);
  const peerConnections = new Map<string, QdrantConnection>();
  const connectPeer = (url: string) => {
    let conn = peerConnections.get(url);
    if (!conn) {
      conn = url === qdrant.url ? qdrant : connect(url);
      peerConnections.set(url, conn);
    }
    return conn;
  };
  let topology: Promise<Topology> | undefined;
  return {
    db,
    qdrant,
    topology() {
      topology ??= readTopology(qdrant, config.qdrant.peers, connectPeer);
      topology.catch(() => {
        topology = undefined;
      });
      return topology;
    },
    forgetTopology() {
      topology = undefined;
    },
    tables,
    journal: new MigrationJournal(db, tables),
    runs: new RunLog(db, tables),
    ledger: new CreatedObjects(db, tables),
    versions: new SchemaVersions(db, tables),
    secrets: configSecrets(config),
    snapshotSpacing: new SnapshotSpacing(),
    connectionErrors,
    async close() {
      await db.destroy();
    },
  };
}
