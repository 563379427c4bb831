import type { QdrantClient } from "@qdrant/js-client-rest";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { PostgresCheckpoints } from "../../src/journal/checkpoints.js";
import type { JournalDatabase, JournalTables } from "../../src/journal/table-types.js";
import type {
  MigrationDatabase,
  StepContext,
  StepProgress,
} from "../../src/migration/define-migration.js";
import { createSchemaToolkit } from "../../src/toolkit/schema-toolkit.js";

/**
 * A Kysely on the test file's database for the journal's tables, opened
 * before its tests and destroyed after them.
 */
export function useJournalKysely(database: { readonly url: string }): {
  readonly db: Kysely<JournalDatabase>;
} {
  let db: Kysely<JournalDatabase> | undefined;
  beforeAll(() => {
    db = kyselyFor<JournalDatabase>(database.url);
  });
  afterAll(async () => {
    await db?.destroy();
  });
  return {
    get db() {
      if (!db) throw new Error("useJournalKysely(): use it inside a test");
      return db;
    },
  };
}

/** A Kysely on its own pool for `url`; `destroy()` it after use. */
export function kyselyFor<D>(url: string): Kysely<D> {
  return new Kysely<D>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 3 }) }),
  });
}

/**
 * A step context as the engine makes it for migration `name`, minus the
 * tracking (writes go straight to `qdrant`, so they survive a failed run) and
 * the transaction; with checkpoints in `tables` when given, so runs of
 * `backfill` and `importPoints` through it can be resumed.
 */
export function stepContext(opts: {
  qdrant: QdrantClient;
  db: Kysely<JournalDatabase>;
  name: string;
  tables?: JournalTables;
  log?: string[];
  /** Collects what the step reports through `ctx.progress`. */
  progress?: StepProgress[];
}): StepContext {
  const { qdrant } = opts;
  const log = {
    info: (m: string) => void opts.log?.push(m),
    warn: (m: string) => void opts.log?.push(m),
  };
  const signal = new AbortController().signal;
  const progress = (update: StepProgress) => void opts.progress?.push(update);
  const engine = opts.tables && {
    checkpoints: new PostgresCheckpoints(opts.db, opts.tables, opts.name),
  };
  return {
    db: opts.db as unknown as Kysely<MigrationDatabase>,
    qdrant,
    schema: createSchemaToolkit({
      qdrant,
      log,
      progress,
      signal,
      migration: { name: opts.name, direction: "up" },
      engine,
    }),
    log,
    progress,
    signal,
    migration: { name: opts.name, direction: "up" },
    dryRun: false,
    engine,
  };
}

/** `client` with `around` called before each call of method `method` (a fault or a counter). */
export function interceptingClient(
  client: QdrantClient,
  method: keyof QdrantClient,
  around: (args: unknown[]) => unknown[] | undefined,
): QdrantClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop !== method) return value.bind(target);
      return (...args: unknown[]) => value.apply(target, around(args) ?? args);
    },
  });
}
