import { rm } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createMigrator, type Migrator } from "../src/index.js";
import { runCrashRunner } from "./harness/child.js";
import { captureCollectionState } from "./harness/collection-state.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { makeProject, type TestProject } from "./harness/project.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Issue 27: projects sharing one Qdrant server (other table prefixes in the
// same database, or other databases) never list nor delete each other's
// snapshots, and every rollback still finds its own.
const dbOne = useTestDatabase();
const dbTwo = useTestDatabase();
const qdrant = useQdrant();

interface Project {
  label: string;
  collection: string;
  prefix: string;
  files: TestProject;
  migrator: Migrator;
}

const open: Migrator[] = [];
const folders: string[] = [];
/** Per probe point: reached when a migration gets there, and what it then waits for. */
const gates = new Map<string, { reached: Deferred; release: Deferred }>();

afterEach(async () => {
  globalThis.qmProbe = undefined;
  for (const gate of gates.values()) gate.release.resolve();
  gates.clear();
  await Promise.all(open.splice(0).map((m) => m.close()));
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A point migrations stop at (`globalThis.qmProbe(point)`) until the test releases it. */
function gate(point: string): { reached: Promise<void>; release: () => void } {
  const g = { reached: deferred(), release: deferred() };
  gates.set(point, g);
  globalThis.qmProbe = async (at) => {
    const current = gates.get(at);
    if (!current) return;
    current.reached.resolve();
    await current.release.promise;
  };
  return { reached: g.reached.promise, release: g.release.resolve };
}

/** A project of its own (migrations folder, table prefix) in `dbUrl`, with a collection of 100 points. */
async function projectOn(
  dbUrl: string,
  label: string,
  opts: { keep?: number } = {},
): Promise<Project> {
  const files = await makeProject({ postgres: dbUrl, qdrant: qdrant.url, apiKey: qdrant.apiKey });
  folders.push(files.dir);
  const prefix = `${uniqueName(label).toLowerCase()}_`;
  const collection = uniqueName(`${label}docs`);
  await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
  await qdrant.client.upsert(collection, {
    wait: true,
    points: Array.from({ length: 100 }, (_, i) => ({
      id: i + 1,
      vector: [1, 0, 0, i],
      payload: { n: i },
    })),
  });
  const migrator = createMigrator(files.config({ tablePrefix: prefix, keep: opts.keep }));
  open.push(migrator);
  return { label, collection, prefix, files, migrator };
}

/** A migration that changes one point's payload: a snapshot first, kept for `down --from-snapshot`. */
async function writeTouch(p: Project, name = "001_touch"): Promise<void> {
  await p.files.writeMigration(
    name,
    `export default { qdrant: {
      up: async ({ qdrant }) => {
        await qdrant.setPayload("${p.collection}", { points: [1], payload: { touched: "${p.label}" } });
      },
      down: async () => {},
    } };`,
  );
}

/**
 * A migration that deletes 50 points (snapshotted first), then waits at the
 * probe `<label>:deleted` and, unless `fixed`, throws.
 */
async function writeDeleteHalf(p: Project, opts: { fixed?: boolean } = {}): Promise<void> {
  await p.files.writeMigration(
    "002_delete_half",
    `export default { qdrant: {
      up: async ({ qdrant }) => {
        await qdrant.delete("${p.collection}", { points: Array.from({ length: 50 }, (_, i) => 51 + i) });
        await globalThis.qmProbe?.("${p.label}:deleted");
        ${opts.fixed ? "" : `throw new Error("${p.label} fails after deleting half");`}
      },
      down: async () => {},
    } };`,
  );
}

async function shardSnapshots(collection: string): Promise<string[]> {
  return (await qdrant.client.listShardSnapshots(collection, 0)).map((s) => s.name).sort();
}

// Each test runs several projects' migrations (one in a child process): slow on a loaded machine.
describe("projects sharing one Qdrant server", { timeout: 90_000 }, () => {
  it("A's snapshots prune --keep 0 while B's failing migration waits spares B's snapshot: B is restored exactly and its next up succeeds", async () => {
    const a = await projectOn(dbOne.url, "a");
    const b = await projectOn(dbOne.url, "b");
    // A's own failed attempt leaves a snapshot nothing needs: A's prune deletes it.
    await writeDeleteHalf(a);
    expect((await a.migrator.up()).error?.code).toBe("MIGRATION_FAILED");
    const aFiles = await shardSnapshots(a.collection);
    expect(aFiles).toHaveLength(1);

    await writeDeleteHalf(b);
    const before = await captureCollectionState(qdrant.client, b.collection);
    const { reached, release } = gate("b:deleted");
    const running = b.migrator.up();
    await reached;
    expect((await qdrant.client.count(b.collection, { exact: true })).count).toBe(50);
    const bFiles = await shardSnapshots(b.collection);

    const pruned = await a.migrator.pruneSnapshots({ keep: 0 });
    expect(pruned).toEqual([{ collection: a.collection, deleted: aFiles, kept: [], leftAlone: 0 }]);
    expect(await shardSnapshots(b.collection)).toEqual(bFiles);

    release();
    expect((await running).error?.code).toBe("MIGRATION_FAILED");
    expect(await captureCollectionState(qdrant.client, b.collection)).toEqual(before);
    await writeDeleteHalf(b, { fixed: true });
    expect((await b.migrator.up()).error).toBeUndefined();
    expect((await qdrant.client.count(b.collection, { exact: true })).count).toBe(50);
  });

  it("three projects (two prefixes in one database, one in another) each pruning with --force while the others' runs wait: each deletes only its own, and every rollback and down --from-snapshot finds its snapshots", async () => {
    const a = await projectOn(dbOne.url, "a");
    const b = await projectOn(dbOne.url, "b");
    const c = await projectOn(dbTwo.url, "c");
    const original = {
      c: await captureCollectionState(qdrant.client, c.collection, { withoutStamp: true }),
    };
    for (const p of [a, b, c]) {
      await writeTouch(p);
      expect((await p.migrator.up()).error).toBeUndefined();
    }
    const touched = {
      b: await captureCollectionState(qdrant.client, b.collection),
      c: await captureCollectionState(qdrant.client, c.collection),
    };
    for (const p of [b, c]) await writeDeleteHalf(p);
    const gateB = gate("b:deleted");
    const gateC = gate("c:deleted");
    const runB = b.migrator.up();
    const runC = c.migrator.up();
    await Promise.all([gateB.reached, gateC.reached]);
    const inFlight = {
      b: await shardSnapshots(b.collection),
      c: await shardSnapshots(c.collection),
    };
    expect(inFlight.b).toHaveLength(2);
    expect(inFlight.c).toHaveLength(2);

    const listedByA = await a.migrator.listSnapshots();
    expect(listedByA.snapshots.map((s) => [s.collection, s.migration])).toEqual([
      [a.collection, "001_touch"],
    ]);
    expect(listedByA.leftAlone).toBe(0);
    const prunedByA = await a.migrator.pruneSnapshots({ keep: 0, force: true });
    expect(prunedByA.map((p) => [p.collection, p.deleted.length])).toEqual([[a.collection, 1]]);
    expect(await shardSnapshots(a.collection)).toEqual([]);
    expect(await shardSnapshots(b.collection)).toEqual(inFlight.b);
    expect(await shardSnapshots(c.collection)).toEqual(inFlight.c);

    gateB.release();
    expect((await runB).error?.code).toBe("MIGRATION_FAILED");
    expect(await captureCollectionState(qdrant.client, b.collection)).toEqual(touched.b);
    // B prunes everything of its own while C's run still waits.
    const prunedByB = await b.migrator.pruneSnapshots({ keep: 0, force: true });
    expect(prunedByB.map((p) => [p.collection, p.deleted.length])).toEqual([[b.collection, 2]]);
    expect(await shardSnapshots(c.collection)).toEqual(inFlight.c);

    gateC.release();
    expect((await runC).error?.code).toBe("MIGRATION_FAILED");
    expect(await captureCollectionState(qdrant.client, c.collection)).toEqual(touched.c);
    // C's prune without --force keeps what its applied migration needs, which its down then uses.
    const prunedByC = await c.migrator.pruneSnapshots({ keep: 0 });
    expect(prunedByC).toEqual([
      {
        collection: c.collection,
        deleted: [expect.any(String)],
        kept: [{ name: expect.any(String), neededBy: "001_touch", reason: "applied" }],
        leftAlone: 0,
      },
    ]);
    expect((await c.migrator.down({ fromSnapshot: true })).error).toBeUndefined();
    // Points and schema; the schema-version stamp after a down is issue 27's item 5, not this one.
    expect(
      await captureCollectionState(qdrant.client, c.collection, { withoutStamp: true }),
    ).toEqual(original.c);
  });

  it("an interrupted run of B keeps its snapshot through A's and C's prunes with --force, and B's recovery restores exactly", async () => {
    const a = await projectOn(dbOne.url, "a");
    const b = await projectOn(dbOne.url, "b");
    const c = await projectOn(dbTwo.url, "c");
    for (const p of [a, c]) {
      await writeTouch(p);
      expect((await p.migrator.up()).error).toBeUndefined();
    }
    await writeDeleteHalf(b, { fixed: true });
    const before = await captureCollectionState(qdrant.client, b.collection);
    const config = b.files.config({ tablePrefix: b.prefix });
    const child = await runCrashRunner([JSON.stringify(config), "before-commit"]);
    expect(child.signal).toBe("SIGKILL");
    const left = await shardSnapshots(b.collection);
    expect(left).toHaveLength(1);

    for (const p of [a, c]) {
      const pruned = await p.migrator.pruneSnapshots({ keep: 0, force: true });
      expect(pruned.map((x) => x.collection)).toEqual([p.collection]);
    }
    expect(await shardSnapshots(b.collection)).toEqual(left);
    expect((await b.migrator.repair()).recovered).toEqual(["002_delete_half"]);
    expect(await captureCollectionState(qdrant.client, b.collection)).toEqual(before);
  });

  it("two projects writing one collection: each lists and prunes only its own snapshot of it, counting the other's as left alone", async () => {
    const a = await projectOn(dbOne.url, "a");
    const b = await projectOn(dbTwo.url, "b");
    const shared = a.collection;
    b.collection = shared;
    await writeTouch(a);
    await writeTouch(b);
    expect((await a.migrator.up()).error).toBeUndefined();
    // Qdrant names shard snapshots by the second: a second apart, or B's would replace A's file.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await b.migrator.up()).error).toBeUndefined();
    const aFile = (await a.migrator.listSnapshots()).snapshots.map((s) => s.name);
    const listedByB = await b.migrator.listSnapshots();
    expect(aFile).toHaveLength(1);
    expect(listedByB.snapshots).toHaveLength(1);
    expect(listedByB.snapshots[0]?.name).not.toBe(aFile[0]);
    expect(listedByB.leftAlone).toBe(1);

    const pruned = await b.migrator.pruneSnapshots({ keep: 0, force: true });
    expect(pruned).toEqual([
      { collection: shared, deleted: [listedByB.snapshots[0]?.name], kept: [], leftAlone: 1 },
    ]);
    expect(await shardSnapshots(shared)).toEqual(aFile);
  });

  it("B's automatic retention after its run (snapshots.keep 1) leaves A's older snapshot of the same collection", async () => {
    const a = await projectOn(dbOne.url, "a");
    const b = await projectOn(dbTwo.url, "b", { keep: 1 });
    b.collection = a.collection;
    // A's failed attempt: a snapshot no applied migration of A needs, older than B's.
    await writeDeleteHalf(a);
    expect((await a.migrator.up()).error?.code).toBe("MIGRATION_FAILED");
    const aFiles = await shardSnapshots(a.collection);
    expect(aFiles).toHaveLength(1);
    // Qdrant names shard snapshots by the second: a second apart, or B's would replace A's file.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await writeTouch(b);
    expect((await b.migrator.up()).error).toBeUndefined();
    const after = await shardSnapshots(a.collection);
    expect(after).toHaveLength(2);
    expect(after).toEqual(expect.arrayContaining(aFiles));
  });

  it("an undo leaves alone a side copy of its collection that its journal does not record (another project's run may be reading it)", async () => {
    const b = await projectOn(dbOne.url, "b");
    const foreign = `${b.collection}__qdrant_migrate_copy_${uniqueName("other")}`;
    await qdrant.client.createCollection(foreign, { vectors: { size: 4, distance: "Dot" } });
    await writeDeleteHalf(b);
    const before = await captureCollectionState(qdrant.client, b.collection);
    expect((await b.migrator.up()).error?.code).toBe("MIGRATION_FAILED");
    expect(await captureCollectionState(qdrant.client, b.collection)).toEqual(before);
    expect((await qdrant.client.collectionExists(foreign)).exists).toBe(true);
    await qdrant.client.deleteCollection(foreign);
  });

  it("an undo drops a side copy of its collection that its own journal recorded (left by a rollback that died)", async () => {
    const b = await projectOn(dbOne.url, "b");
    await b.migrator.status();
    const stale = `${b.collection}__qdrant_migrate_copy_${uniqueName("dead")}`;
    await qdrant.client.createCollection(stale, { vectors: { size: 4, distance: "Dot" } });
    await queryRows(
      dbOne.url,
      `INSERT INTO "${b.prefix}created_objects" (kind, collection, migration) VALUES ('copy', $1, '001_dead')`,
      [stale],
    );
    await writeDeleteHalf(b);
    expect((await b.migrator.up()).error?.code).toBe("MIGRATION_FAILED");
    expect((await qdrant.client.collectionExists(stale)).exists).toBe(false);
    const left = await queryRows(
      dbOne.url,
      `SELECT collection FROM "${b.prefix}created_objects" WHERE kind = 'copy'`,
    );
    expect(left).toEqual([]);
  });
});
