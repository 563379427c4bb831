import { afterEach, beforeEach } from "vitest";
import {
  type ConcurrentWritesPolicy,
  createMigrator,
  type MigrationDefinition,
  type MigrationEntry,
  type Migrator,
  type MigratorOptions,
  type RollbackRestore,
} from "../../src/index.js";
import type { MigrationRecord } from "../../src/journal/migration-journal.js";
import { journalRecords } from "./journal-records.js";
import { makeProject, type TestProject } from "./project.js";
import { type TestQdrant, uniqueName } from "./qdrant.js";

declare global {
  // Lets migration files written by engine tests call back into the test.
  var qmProbe: ((point: string) => Promise<void>) | undefined;
}

export interface EngineHarness {
  /** This test's project: its own migrations folder. */
  readonly project: TestProject;
  /** This test's journal table prefix, e.g. `qm_abc_` (tables `qm_abc_migrations`, …). */
  readonly prefix: string;
  /** A migrator over this test's project and tables; closed after the test. */
  migrator(
    options?: MigratorOptions,
    overrides?: {
      keep?: number;
      stepTimeoutMs?: number;
      postgresLockTimeoutMs?: number;
      concurrentWrites?: ConcurrentWritesPolicy;
      restore?: RollbackRestore;
      managedAliases?: string[];
    },
  ): Migrator;
  /** The raw journal rows of this test's tables (see `journalRecords`). */
  records(): Promise<MigrationRecord[]>;
  /**
   * Adds a typed migration to this test's in-code list (`migrations: "in code"`
   * files only): every migrator of the test reads the list as it is when a
   * command runs, as it reads the folder.
   */
  addMigration(name: string, migration: MigrationDefinition): void;
}

/**
 * Gives each test of the calling file its own migrations folder and its own
 * journal tables, so engine tests never share history; closes every migrator
 * and clears `qmProbe` after each test.
 */
export function useEngineProject(
  db: { readonly url: string },
  qdrant: TestQdrant,
  opts: {
    /** Where migrations come from: the project's folder (default), or `addMigration`. */
    migrations?: "files" | "in code";
  } = {},
): EngineHarness {
  let project: TestProject | undefined;
  let prefix = "";
  let inCode: MigrationEntry[] = [];
  const provider = opts.migrations === "in code" ? () => inCode : undefined;
  const open: Migrator[] = [];
  beforeEach(async () => {
    project = await makeProject({ postgres: db.url, qdrant: qdrant.url, apiKey: qdrant.apiKey });
    prefix = `${uniqueName("qm").toLowerCase()}_`;
    inCode = [];
  });
  afterEach(async () => {
    globalThis.qmProbe = undefined;
    await Promise.all(open.splice(0).map((m) => m.close()));
  });
  const current = () => {
    if (!project) throw new Error("useEngineProject(): use it inside a test");
    return project;
  };
  return {
    get project() {
      return current();
    },
    get prefix() {
      return prefix;
    },
    migrator(options = {}, overrides = {}) {
      const m = createMigrator(
        current().config({ tablePrefix: prefix, migrations: provider, ...overrides }),
        options,
      );
      open.push(m);
      return m;
    },
    records: () => journalRecords(current().config({ tablePrefix: prefix })),
    addMigration(name, migration) {
      if (!provider)
        throw new Error('addMigration(): use useEngineProject(…, { migrations: "in code" })');
      inCode.push({ name, migration });
    },
  };
}
