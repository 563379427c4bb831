import { beforeAll, describe, expect, it } from "vitest";
import {
  type AliasRecord,
  readAliases,
  repointAliasesOff,
  restoreAliases,
} from "../src/qdrant/aliases.js";
import { connectQdrant, type QdrantConnection } from "../src/qdrant/connect.js";
import { AliasRestoreError } from "../src/qdrant/errors.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const qdrant = useQdrant();
let conn: QdrantConnection;

beforeAll(() => {
  conn = connectQdrant({ url: qdrant.url, apiKey: qdrant.apiKey, timeoutMs: 30_000 });
});

async function makeCollection(name: string): Promise<void> {
  await conn.client.createCollection(name, { vectors: { size: 2, distance: "Dot" } });
}

async function setAlias(alias: string, collection: string): Promise<void> {
  await conn.client.updateCollectionAliases({
    actions: [{ create_alias: { alias_name: alias, collection_name: collection } }],
  });
}

/** The current aliases among `names`, sorted, as `alias→collection`. */
async function aliasesAmong(names: readonly string[]): Promise<string[]> {
  return (await readAliases(conn))
    .filter((a) => names.includes(a.alias))
    .map((a) => `${a.alias}→${a.collection}`)
    .sort();
}

describe("aliases", () => {
  it("readAliases lists every alias as {alias, collection}", async () => {
    const c = uniqueName("coll");
    const alias = uniqueName("alias");
    await makeCollection(c);
    await setAlias(alias, c);
    expect(await readAliases(conn)).toContainEqual({ alias, collection: c });
  });

  it("puts back a re-pointed alias", async () => {
    const [a, b, alias] = [uniqueName("a"), uniqueName("b"), uniqueName("alias")];
    await makeCollection(a);
    await makeCollection(b);
    await setAlias(alias, a);
    const before = await readAliases(conn);
    await setAlias(alias, b);
    await restoreAliases(conn, before, { aliases: new Set([alias]), collections: new Set() });
    expect(await aliasesAmong([alias])).toEqual([`${alias}→${a}`]);
  });

  it("re-creates a deleted alias and deletes one created since", async () => {
    const c = uniqueName("coll");
    const [kept, added] = [uniqueName("kept"), uniqueName("added")];
    await makeCollection(c);
    await setAlias(kept, c);
    const before = await readAliases(conn);
    await conn.client.updateCollectionAliases({
      actions: [
        { delete_alias: { alias_name: kept } },
        { create_alias: { alias_name: added, collection_name: c } },
      ],
    });
    await restoreAliases(conn, before, { aliases: new Set(), collections: new Set([c]) });
    expect(await aliasesAmong([kept, added])).toEqual([`${kept}→${c}`]);
  });

  it("leaves aliases outside the scope alone", async () => {
    const [c, other] = [uniqueName("coll"), uniqueName("other")];
    const [inScope, outside] = [uniqueName("in"), uniqueName("out")];
    await makeCollection(c);
    await makeCollection(other);
    const before = await readAliases(conn);
    await setAlias(inScope, c);
    await setAlias(outside, other);
    await restoreAliases(conn, before, { aliases: new Set(), collections: new Set([c]) });
    expect(await aliasesAmong([inScope, outside])).toEqual([`${outside}→${other}`]);
  });

  it("puts back the aliases a dropped and re-created collection lost", async () => {
    const c = uniqueName("coll");
    const alias = uniqueName("alias");
    await makeCollection(c);
    await setAlias(alias, c);
    const before = await readAliases(conn);
    await conn.client.deleteCollection(c);
    await makeCollection(c);
    await restoreAliases(conn, before, { aliases: new Set(), collections: new Set([c]) });
    expect(await aliasesAmong([alias])).toEqual([`${alias}→${c}`]);
  });

  it("restores what it can and names what it cannot when a target collection is gone", async () => {
    const [gone, c] = [uniqueName("gone"), uniqueName("coll")];
    const [a1, a2] = [uniqueName("a1"), uniqueName("a2")];
    await makeCollection(gone);
    await makeCollection(c);
    await setAlias(a1, gone);
    await setAlias(a2, c);
    const before: AliasRecord[] = await readAliases(conn);
    await conn.client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: a2 } }] });
    await conn.client.deleteCollection(gone);
    const error = await restoreAliases(conn, before, {
      aliases: new Set([a1, a2]),
      collections: new Set(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AliasRestoreError);
    expect((error as AliasRestoreError).message).toContain(`"${a1}" should point to "${gone}"`);
    expect(await aliasesAmong([a1, a2])).toEqual([`${a2}→${c}`]);
  });

  it("repointAliasesOff moves aliases off created collections back to their old targets, before those are dropped", async () => {
    const [v1, v2] = [uniqueName("v1"), uniqueName("v2")];
    const [switched, added] = [uniqueName("switched"), uniqueName("added")];
    await makeCollection(v1);
    await makeCollection(v2);
    await setAlias(switched, v2);
    await setAlias(added, v2);
    const before: AliasRecord[] = [{ alias: switched, collection: v1 }];
    await repointAliasesOff(conn, before, new Set([v2]));
    // The new alias is left for the drop of v2 (and restoreAliases) to remove.
    expect(await aliasesAmong([switched, added])).toEqual(
      [`${switched}→${v1}`, `${added}→${v2}`].sort(),
    );
  });
});
