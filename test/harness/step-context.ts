import type { QdrantClient } from "@qdrant/js-client-rest";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { PostgresCheckpoints } from "../../src/journal/checkpoints.js";
import type { JournalDatabase, JournalTables } from "../../src/journal/table-types.js";
import type { StepContext, StepProgress } from "../../src/migration/define-migration.js";
import { createStepContext } from "../../src/testing/step-context.js";

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
 * `createStepContext` for migration `name`, with checkpoints in `tables` when
 * given, so runs of `backfill` and `importPoints` through it can be resumed.
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
  return createStepContext({
    qdrant: opts.qdrant,
    db: opts.db,
    migration: { name: opts.name },
    checkpoints: opts.tables && new PostgresCheckpoints(opts.db, opts.tables, opts.name),
    log: opts.log,
    progress: opts.progress,
  });
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
