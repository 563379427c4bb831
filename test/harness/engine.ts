import { afterEach, beforeEach } from "vitest";
import {
  type ConcurrentWritesPolicy,
  createMigrator,
  type Migrator,
  type MigratorOptions,
  type RollbackRestore,
} from "../../src/index.js";
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
}

/**
 * Gives each test of the calling file its own migrations folder and its own
 * journal tables, so engine tests never share history; closes every migrator
 * and clears `qmProbe` after each test.
 */
export function useEngineProject(db: { readonly url: string }, qdrant: TestQdrant): EngineHarness {
  let project: TestProject | undefined;
  let prefix = "";
  const open: Migrator[] = [];
  beforeEach(async () => {
    project = await makeProject({ postgres: db.url, qdrant: qdrant.url, apiKey: qdrant.apiKey });
    prefix = `${uniqueName("qm").toLowerCase()}_`;
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
      const m = createMigrator(current().config({ tablePrefix: prefix, ...overrides }), options);
      open.push(m);
      return m;
    },
  };
}
