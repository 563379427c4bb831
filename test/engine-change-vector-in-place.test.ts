import { describe, expect, it } from "vitest";
import { captureCollectionState } from "./harness/collection-state.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import {
  IN_PLACE_VECTORS,
  needsQdrant,
  type TestQdrant,
  uniqueName,
  useQdrant,
  useQdrantReporting,
} from "./harness/qdrant.js";
import { type RecordedRequest, useRecordingProxy } from "./harness/recording-proxy.js";

const inPlace = await needsQdrant(IN_PLACE_VECTORS);

// Issue 25: changeVector on 1.18+ clones the collection on the server, then
// reads and writes only the changed vector; before 1.18, the full copy.
const database = useTestDatabase();
const current = useQdrant();
const older = useQdrantReporting("1.15.5");
const proxyCurrent = useRecordingProxy(() => current.url);
const proxyOlder = useRecordingProxy(() => older.url);
const through = (qdrant: TestQdrant, proxy: { readonly url: string }): TestQdrant => ({
  get url() {
    return proxy.url;
  },
  apiKey: qdrant.apiKey,
  get client() {
    return qdrant.client;
  },
  external: qdrant.external,
});
const onCurrent = useEngineProject(database, through(current, proxyCurrent));
const onOlder = useEngineProject(database, through(older, proxyOlder));

const POINTS = 30;
const VECTORS = ["content", "emotion", "semantic"] as const;

/** `<name>_v1` behind the alias `<name>`: three named 4-d vectors, a keyword index, `POINTS` points. */
async function seed(qdrant: TestQdrant, name: string): Promise<void> {
  const { client } = qdrant;
  const physical = `${name}_v1`;
  await client.createCollection(physical, {
    vectors: Object.fromEntries(VECTORS.map((v) => [v, { size: 4, distance: "Cosine" as const }])),
  });
  await client.createPayloadIndex(physical, {
    field_name: "user_id",
    field_schema: "keyword",
    wait: true,
  });
  await client.upsert(physical, {
    wait: true,
    points: Array.from({ length: POINTS }, (_, i) => ({
      id: i + 1,
      vector: Object.fromEntries(VECTORS.map((v, k) => [v, [i + 1, k + 1, 1, 0]])),
      payload: { user_id: `user_${i % 3}`, text: `memory ${i + 1}` },
    })),
  });
  await client.updateCollectionAliases({
    actions: [{ create_alias: { alias_name: name, collection_name: physical } }],
  });
}

/** `emotion` becomes Dot, its values doubled plus one for user_1: read from the payload. */
const changeEmotion = (name: string, after = "") =>
  `export default {
    collections: ["${name}"],
    qdrant: {
      up: async ({ schema }) => {
        await schema.changeVector("${name}", "emotion", { distance: "Dot" }, {
          payload: ["user_id"],
          transform: (p) => ({ ...p, vector: { ...p.vector,
            emotion: p.vector.emotion.map((x) => x * 2 + (p.payload.user_id === "user_1" ? 1 : 0)) } }),
        });
        ${after}
      },
      down: async () => {},
    },
  };`;

type Point = { id: number; vector: Record<string, number[]>; payload: Record<string, unknown> };

/** What `changeEmotion` makes of the points read before (their emotion vectors as Qdrant stored them). */
function expectedEmotion(before: Point[]): string[][] {
  return before.map((p) =>
    (p.vector.emotion as number[]).map((x) =>
      (x * 2 + (p.payload.user_id === "user_1" ? 1 : 0)).toFixed(5),
    ),
  );
}

const fixed = (v: number[] | undefined) => v?.map((x) => x.toFixed(5));

async function pointsOf(qdrant: TestQdrant, collection: string): Promise<Point[]> {
  const { points } = await qdrant.client.scroll(collection, {
    limit: POINTS + 1,
    with_payload: true,
    with_vector: true,
  });
  return points.map((p) => ({ id: p.id, vector: p.vector, payload: p.payload }) as Point);
}

/** Requests that change points of `collection` (not reads: retrieve, scroll, count). */
const writesTo = (requests: RecordedRequest[], collection: string) =>
  requests.filter((r) => {
    const points = `/collections/${collection}/points`;
    if (r.method === "GET" || !r.path.startsWith(points)) return false;
    const rest = r.path.slice(points.length);
    return !(r.method === "POST" && ["", "/scroll", "/count"].includes(rest));
  });

describe("changeVector of one named vector", () => {
  it.skipIf(inPlace.skip)(
    `on Qdrant 1.18+ clones the collection on the server and writes only that vector${inPlace.reason}`,
    async () => {
      const name = uniqueName("memory");
      await seed(current, name);
      const before = await pointsOf(current, `${name}_v1`);
      const v1 = await captureCollectionState(current.client, `${name}_v1`);
      await onCurrent.project.writeMigration("001_emotion", changeEmotion(name));
      proxyCurrent.clear();
      const run = await onCurrent.migrator().up();
      expect(run.error).toBeUndefined();

      const info = await current.client.getCollection(`${name}_v2`);
      expect(info.config.params.vectors).toMatchObject({
        content: { size: 4, distance: "Cosine" },
        emotion: { size: 4, distance: "Dot" },
        semantic: { size: 4, distance: "Cosine" },
      });
      expect(Object.keys(info.payload_schema)).toEqual(["user_id"]);
      const after = await pointsOf(current, `${name}_v2`);
      expect(after.map((p) => fixed(p.vector.emotion))).toEqual(expectedEmotion(before));
      const others = (points: Point[]) =>
        points.map((p) => [p.id, p.payload, fixed(p.vector.content), fixed(p.vector.semantic)]);
      expect(others(after)).toEqual(others(before));
      // Writes to the new collection: only `emotion`, by update_vectors, each point once.
      const writes = writesTo(proxyCurrent.requests, `${name}_v2`);
      expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual(
        writes.map(() => `PUT /collections/${name}_v2/points/vectors`),
      );
      const written = writes.flatMap(
        (w) => (w.body as { points: { vector: Record<string, unknown> }[] }).points,
      );
      expect(written).toHaveLength(POINTS);
      expect(new Set(written.map((p) => Object.keys(p.vector).join(",")))).toEqual(
        new Set(["emotion"]),
      );
      // Reads of the old one: the clone's check reads a sample of 16 points
      // in full; the transform's pages only `emotion` and `user_id`.
      const scrolls = proxyCurrent.requests
        .filter((r) => r.path === `/collections/${name}_v1/points/scroll`)
        .map((r) => r.body as { limit: number; with_vector: unknown; with_payload: unknown });
      const full = scrolls.filter((b) => b.with_vector === true);
      expect(full.map((b) => b.limit)).toEqual([16]);
      const pages = scrolls.filter((b) => b.with_vector !== true);
      expect(pages.length).toBeGreaterThan(0);
      expect(new Set(pages.map((b) => JSON.stringify([b.with_vector, b.with_payload])))).toEqual(
        new Set([JSON.stringify([["emotion"], ["user_id"]])]),
      );
      expect((await current.client.getAliases()).aliases).toContainEqual({
        alias_name: name,
        collection_name: `${name}_v2`,
      });
      expect(await captureCollectionState(current.client, `${name}_v1`)).toEqual({
        ...v1,
        aliases: [],
      });
    },
  );

  it("on Qdrant 1.15 copies every point in full into the new collection instead", async () => {
    const name = uniqueName("memory");
    await seed(older, name);
    const before = await pointsOf(older, `${name}_v1`);
    await onOlder.project.writeMigration("001_emotion", changeEmotion(name));
    proxyOlder.clear();
    const run = await onOlder.migrator().up();
    expect(run.error).toBeUndefined();

    const writes = writesTo(proxyOlder.requests, `${name}_v2`);
    expect(new Set(writes.map((w) => `${w.method} ${w.path}`))).toEqual(
      new Set([`PUT /collections/${name}_v2/points`]),
    );
    const after = await pointsOf(older, `${name}_v2`);
    expect(after.map((p) => fixed(p.vector.emotion))).toEqual(expectedEmotion(before));
    expect(after.map((p) => p.payload)).toEqual(before.map((p) => p.payload));
  });

  it.skipIf(inPlace.skip)(
    `rolled back when its migration fails: the alias back on <name>_v1, exactly as it was, and <name>_v2 gone${inPlace.reason}`,
    async () => {
      const name = uniqueName("memory");
      await seed(current, name);
      const v1 = await captureCollectionState(current.client, `${name}_v1`);
      await onCurrent.project.writeMigration(
        "001_emotion",
        changeEmotion(name, `throw new Error("verify: not today");`),
      );
      const run = await onCurrent.migrator().up();
      expect(run.error?.message).toMatch(/not today/);
      expect(await captureCollectionState(current.client, `${name}_v1`)).toEqual(v1);
      expect((await current.client.collectionExists(`${name}_v2`)).exists).toBe(false);
      expect(await current.client.listShardSnapshots(`${name}_v1`, 0)).toEqual([]);
    },
  );
});
