import { describe, expect, it } from "vitest";
import { checkRevertable, planRevert } from "../../src/engine/down-preconditions.js";
import type { MigrationToRevert } from "../../src/engine/load-migrations.js";
import type { MigrationDefinition } from "../../src/index.js";
import type { MigrationRecord } from "../../src/journal/migration-journal.js";
import type { QdrantChanges } from "../../src/journal/table-types.js";
import { entry } from "./entries.js";

const changes: QdrantChanges = {
  snapshots: [
    {
      collection: "docs",
      pointsCount: 3,
      params: {},
      payloadSchema: {},
      replicas: [],
      takenAt: "2024-01-01",
    },
  ],
  schemasBefore: [],
  createdCollections: [],
  aliasesBefore: [],
  changedAliases: [],
  touchedPoints: [],
};

function record(name: string, appliedChanges: QdrantChanges | null): MigrationRecord {
  return {
    name,
    checksum: "x",
    direction: "up",
    status: "applied",
    startedAt: new Date(0),
    finishedAt: new Date(0),
    durationMs: 1,
    snapshots: [],
    schemasBefore: [],
    aliasesBefore: null,
    createdCollections: [],
    changedAliases: [],
    touchedPoints: [],
    appliedChanges,
    versionsBefore: null,
    error: null,
    runner: null,
  };
}

function toRevert(name: string, definition: MigrationDefinition, missing = false) {
  const migration: MigrationToRevert = { file: { name, path: "", checksum: "x" }, definition };
  if (missing) migration.missing = true;
  return new Map([[name, migration]]);
}

const step = { up: async () => {} };
const reversible = { up: async () => {}, down: async () => {} };

describe("down's preconditions", () => {
  it("refuses a changed file unless allowed", () => {
    const entries = [entry("001_a", "applied", { changed: true })];
    expect(() => checkRevertable(entries, ["001_a"], {})).toThrow(
      expect.objectContaining({ code: "HISTORY_MISMATCH" }),
    );
    expect(() => checkRevertable(entries, ["001_a"], { allowChanged: true })).not.toThrow();
  });

  it("refuses a missing file unless allowed", () => {
    const entries = [entry("001_a", "missing")];
    expect(() => checkRevertable(entries, ["001_a"], {})).toThrow(/--allow-missing/);
    expect(() => checkRevertable(entries, ["001_a"], { allowMissing: true })).not.toThrow();
  });

  it("refuses a Postgres step without down: Postgres has no snapshots", () => {
    const loaded = toRevert("001_a", { postgres: step });
    expect(() => planRevert(loaded, [record("001_a", changes)], {})).toThrow(
      /postgres step has no `down`/,
    );
  });

  it("refuses a Qdrant step without down unless --from-snapshot, then restores its snapshots", () => {
    const loaded = toRevert("001_a", { qdrant: step });
    const records = [record("001_a", changes)];
    expect(() => planRevert(loaded, records, {})).toThrow(/--from-snapshot/);
    expect(planRevert(loaded, records, { fromSnapshot: true }).restoreFrom.get("001_a")).toEqual(
      changes,
    );
  });

  it("refuses --from-snapshot for a baselined migration, which recorded no snapshots", () => {
    const loaded = toRevert("001_a", { qdrant: reversible });
    expect(() => planRevert(loaded, [record("001_a", null)], { fromSnapshot: true })).toThrow(
      /baselined/,
    );
  });

  it("reverts a missing file's Qdrant half from its snapshots, with a warning", () => {
    const plan = planRevert(toRevert("001_a", {}, true), [record("001_a", changes)], {});
    expect(plan.restoreFrom.get("001_a")).toEqual(changes);
    expect(plan.warnings.map((w) => w.migration)).toEqual(["001_a"]);
  });

  it("reverts a reversible migration by its own down steps, restoring nothing", () => {
    const loaded = toRevert("001_a", { postgres: reversible, qdrant: reversible });
    const plan = planRevert(loaded, [record("001_a", changes)], {});
    expect(plan.restoreFrom.size).toBe(0);
    expect(plan.warnings).toEqual([]);
  });
});
