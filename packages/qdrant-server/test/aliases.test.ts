import { describe, expect, it } from "vitest";
import { expectValidRequest, expectValidResponse } from "./harness/openapi.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { errorText, rest } from "./harness/qdrant-rest.js";

const qdrant = useQdrant();

async function create(name: string) {
  const reply = await rest(qdrant, "PUT", `/collections/${name}`, {
    vectors: { size: 2, distance: "Dot" },
  });
  expect(reply.status).toBe(200);
}

async function aliasActions(actions: unknown[]) {
  const body = { actions };
  const reply = await rest(qdrant, "POST", "/collections/aliases", body);
  expectValidResponse("post", "/collections/aliases", reply.status, reply.body);
  return reply;
}

async function aliasesOf(collection: string): Promise<string[]> {
  const reply = await rest(qdrant, "GET", `/collections/${collection}/aliases`);
  expectValidResponse("get", "/collections/{collection_name}/aliases", reply.status, reply.body);
  const result = (reply.body as { result: { aliases: { alias_name: string }[] } }).result;
  return result.aliases.map((a) => a.alias_name).sort();
}

async function allAliases(): Promise<Map<string, string>> {
  const reply = await rest(qdrant, "GET", "/aliases");
  expectValidResponse("get", "/aliases", reply.status, reply.body);
  const result = (
    reply.body as { result: { aliases: { alias_name: string; collection_name: string }[] } }
  ).result;
  return new Map(result.aliases.map((a) => [a.alias_name, a.collection_name]));
}

describe("Qdrant server: aliases", () => {
  it("creates an alias and lists it globally and per collection", async () => {
    const name = uniqueName("al_target");
    const alias = uniqueName("al_alias");
    await create(name);
    const actions = [{ create_alias: { collection_name: name, alias_name: alias } }];
    expectValidRequest("post", "/collections/aliases", { actions });
    const reply = await aliasActions(actions);
    expect((reply.body as { result: unknown }).result).toBe(true);
    expect(await aliasesOf(name)).toEqual([alias]);
    expect((await allAliases()).get(alias)).toBe(name);
  });

  it("does not list aliases among collections", async () => {
    const name = uniqueName("al_hidden");
    const alias = uniqueName("al_hidden_a");
    await create(name);
    await aliasActions([{ create_alias: { collection_name: name, alias_name: alias } }]);
    const reply = await rest(qdrant, "GET", "/collections");
    const names = (reply.body as { result: { collections: { name: string }[] } }).result
      .collections;
    expect(names.map((c) => c.name)).not.toContain(alias);
  });

  it("re-points an existing alias silently, so one create_alias swaps it", async () => {
    const blue = uniqueName("al_blue");
    const green = uniqueName("al_green");
    const alias = uniqueName("al_live");
    await create(blue);
    await create(green);
    await aliasActions([{ create_alias: { collection_name: blue, alias_name: alias } }]);
    const reply = await aliasActions([
      { create_alias: { collection_name: green, alias_name: alias } },
    ]);
    expect(reply.status).toBe(200);
    expect((await allAliases()).get(alias)).toBe(green);
    expect(await aliasesOf(blue)).toEqual([]);
  });

  it("answers 404 when the target collection does not exist", async () => {
    const missing = uniqueName("al_missing");
    const reply = await aliasActions([
      { create_alias: { collection_name: missing, alias_name: uniqueName("al_x") } },
    ]);
    expect(reply.status).toBe(404);
    expect(errorText(reply)).toBe(`Not found: Collection \`${missing}\` doesn't exist!`);
  });

  it("answers 409 when the alias name is a collection's name", async () => {
    const a = uniqueName("al_coll_a");
    const b = uniqueName("al_coll_b");
    await create(a);
    await create(b);
    const reply = await aliasActions([{ create_alias: { collection_name: a, alias_name: b } }]);
    expect(reply.status).toBe(409);
    expect(errorText(reply)).toBe(`Wrong input: Collection \`${b}\` already exists!`);
  });

  it("keeps the actions before a failing one (no rollback)", async () => {
    const name = uniqueName("al_partial");
    const first = uniqueName("al_partial_1");
    const third = uniqueName("al_partial_3");
    await create(name);
    const reply = await aliasActions([
      { create_alias: { collection_name: name, alias_name: first } },
      { create_alias: { collection_name: uniqueName("al_absent"), alias_name: "x" } },
      { create_alias: { collection_name: name, alias_name: third } },
    ]);
    expect(reply.status).toBe(404);
    expect(await aliasesOf(name)).toEqual([first]);
  });

  it("deletes an alias, and deleting an absent one is no error", async () => {
    const name = uniqueName("al_del");
    const alias = uniqueName("al_del_a");
    await create(name);
    await aliasActions([{ create_alias: { collection_name: name, alias_name: alias } }]);
    const reply = await aliasActions([
      { delete_alias: { alias_name: alias } },
      { delete_alias: { alias_name: uniqueName("al_never") } },
    ]);
    expect(reply.status).toBe(200);
    expect(await aliasesOf(name)).toEqual([]);
  });

  it("renames an alias, and 404s for an absent one", async () => {
    const name = uniqueName("al_ren");
    const before = uniqueName("al_ren_old");
    const after = uniqueName("al_ren_new");
    await create(name);
    await aliasActions([{ create_alias: { collection_name: name, alias_name: before } }]);
    const ok = await aliasActions([
      { rename_alias: { old_alias_name: before, new_alias_name: after } },
    ]);
    expect(ok.status).toBe(200);
    expect(await aliasesOf(name)).toEqual([after]);

    const missing = uniqueName("al_ren_missing");
    const reply = await aliasActions([
      { rename_alias: { old_alias_name: missing, new_alias_name: uniqueName("al_y") } },
    ]);
    expect(reply.status).toBe(404);
    expect(errorText(reply)).toBe(`Not found: Alias ${missing} does not exists!`);
  });

  it("answers an empty list for an unknown collection's aliases", async () => {
    expect(await aliasesOf(uniqueName("al_unknown"))).toEqual([]);
  });

  it("swaps through the official client", async () => {
    const blue = uniqueName("al_client_blue");
    const green = uniqueName("al_client_green");
    const alias = uniqueName("al_client");
    await create(blue);
    await create(green);
    await qdrant.client.updateCollectionAliases({
      actions: [{ create_alias: { collection_name: blue, alias_name: alias } }],
    });
    await qdrant.client.updateCollectionAliases({
      actions: [
        { delete_alias: { alias_name: alias } },
        { create_alias: { collection_name: green, alias_name: alias } },
      ],
    });
    const { aliases } = await qdrant.client.getCollectionAliases(green);
    expect(aliases).toEqual([{ alias_name: alias, collection_name: green }]);
  });
});
