import type { Schemas } from "@qdrant/js-client-rest";
import type { CollectionSpec } from "../../collection-schema/create-body.js";
import { applySpec, specOf } from "../../collection-schema/create-body.js";
import {
  isSingleVector,
  namedVectorsOf,
  type VectorParams,
} from "../../collection-schema/live-vectors.js";
import { namedVectorCalls } from "../../collection-schema/server-version.js";
import { type CopyOptions, type CopyResult, copyCollection } from "../data/copy-collection.js";
import { CopyVerificationError } from "../data/errors.js";
import type { ToolkitContext } from "../toolkit-context.js";
import { diffCollection } from "./collection-diff.js";
import { nextVersion, versionName } from "./collection-versions.js";
import { ensureCollection } from "./ensure-collection.js";
import { AliasSwitchError, BlueGreenInvalidError, CollectionNotAliasedError } from "./errors.js";
import { rewriteVector } from "./vector-rewrite.js";

export interface BlueGreenOptions extends Pick<CopyOptions, "batchSize" | "concurrency"> {
  /**
   * For `changeVector` on Qdrant 1.18+, which reads only the changed vector
   * and this payload for the transform: `true` (all, the default), `false`,
   * or these fields.
   */
  payload?: boolean | string[];
  /**
   * The point to write into the new collection for each point of the old one,
   * or `null` to leave it out; required when a vector's size changes (it
   * must give that vector in its new size).
   */
  transform?: CopyOptions["transform"];
  /**
   * Convert a physical collection `<name>` (which applications address by
   * that name) into an alias-managed one: the copy is made, then `<name>` is
   * dropped (snapshotted first) and the alias `<name>` created. Writes to it
   * between the copy and the switch would be lost: pause its writers first.
   */
  adoptPhysical?: boolean;
}

export interface BlueGreenResult {
  /** False when the live collection already is what the change asks for: nothing was done. */
  changed: boolean;
  /** The alias, `<name>`. */
  alias: string;
  /** The physical collection the alias pointed at before (or the physical collection adopted). */
  previous: string;
  /** The physical collection the alias points at now. */
  collection: string;
  /** The copy, when one was made. */
  copy?: CopyResult;
  /** True when the physical collection `<name>` was dropped and replaced by the alias. */
  adopted: boolean;
}

/**
 * Changes the collection behind alias `name` in a way Qdrant cannot make in
 * place: creates `<name>_v<N>` (the next free version) with the live config
 * and `spec` applied (`vectors` and `sparse_vectors` as a whole, settings key
 * by key, payload indexes added), copies every point into it through
 * `transform`, verifies the copy and that the old collection did not change
 * meanwhile, then points the alias at it in one alias request and checks
 * that it does. The old collection stays: rolling the migration back drops
 * the new one and puts the alias back (both journaled by the tracked client).
 */
export function blueGreen(
  ctx: ToolkitContext,
  name: string,
  spec: CollectionSpec,
  options: BlueGreenOptions = {},
): Promise<BlueGreenResult> {
  return blueGreenFilling(ctx, name, spec, options, async (current, target, wanted) => {
    await ensureCollection(ctx.qdrant, ctx.version, target, wanted, ctx.engine?.dryRun);
    return copyCollection(ctx, current, target, {
      transform: options.transform,
      batchSize: options.batchSize,
      concurrency: options.concurrency,
    });
  });
}

/** Creates and fills `target` as `wanted` from `current`. */
type Fill = (current: string, target: string, wanted: CollectionSpec) => Promise<CopyResult>;

/** `blueGreen`, with `fill` making the new collection. */
async function blueGreenFilling(
  ctx: ToolkitContext,
  name: string,
  spec: CollectionSpec,
  options: BlueGreenOptions,
  fill: Fill,
): Promise<BlueGreenResult> {
  const current = await resolveAlias(ctx, name, options.adoptPhysical === true);
  const adopting = current === name;
  const info = await ctx.qdrant.getCollection(current);
  const wanted = applySpec(specOf(info), spec);
  const misfit = vectorsThatNoLongerFit(info, wanted);
  if (misfit !== undefined && !options.transform) {
    throw new BlueGreenInvalidError(
      name,
      `${misfit}, so the old points' vectors do not fit the new collection: ` +
        "pass { transform } returning each point with its vectors as the new collection wants them (re-embedded from its payload, say)",
    );
  }
  if (!adopting && sameSchema(info, wanted)) {
    return { changed: false, alias: name, previous: current, collection: current, adopted: false };
  }

  const taken = [
    ...(await ctx.qdrant.getCollections()).collections.map((c) => c.name),
    ...(await ctx.qdrant.getAliases()).aliases.map((a) => a.alias_name),
  ];
  const target = versionName(name, nextVersion(name, taken));
  ctx.log.info(`blue-green change of ${name}: creating ${target} from ${current}`);
  const copy = await fill(current, target, wanted);
  // Writes to the old collection after its points were read are not in the copy.
  const { count } = await ctx.qdrant.count(current, { exact: true });
  if (count !== copy.scanned) {
    throw new CopyVerificationError(
      current,
      target,
      [`${current} held ${copy.scanned} points when read and holds ${count} now`],
      `something wrote to ${current} during the copy, and those writes would be lost by the switch: ` +
        "pause its writers (or have them write to both collections) and run the migration again",
    );
  }

  const actions: Schemas["AliasOperations"][] = [
    { delete_alias: { alias_name: name } },
    { create_alias: { alias_name: name, collection_name: target } },
  ];
  if (adopting) {
    // An alias cannot share a collection's name. The tracked client snapshots it first.
    ctx.log.info(`dropping the physical collection ${name} to make it an alias of ${target}`);
    await ctx.qdrant.deleteCollection(name);
    actions.shift();
  }
  await ctx.qdrant.updateCollectionAliases({ actions });
  const result = { changed: true, alias: name, previous: current, collection: target, copy };
  // `--dry-run`: the switch was only described, so there is nothing to read back.
  if (ctx.engine?.dryRun) return { ...result, adopted: adopting };
  const now = (await ctx.qdrant.getAliases()).aliases.find((a) => a.alias_name === name);
  if (now?.collection_name !== target) {
    throw new AliasSwitchError(name, target, now?.collection_name);
  }
  ctx.log.info(`alias ${name} now points at ${target} (was ${current})`);
  return {
    changed: true,
    alias: name,
    previous: current,
    collection: target,
    copy,
    adopted: adopting,
  };
}

/**
 * `blueGreen` for one vector: `params` (size, distance, datatype, …) merged
 * over the live params of dense vector `vectorName` (`""` for an unnamed
 * vector), every other vector kept. On Qdrant 1.18+ a named vector changes
 * without moving the others: the new collection is a server-side clone
 * (`copyCollection`), the vector is recreated on it in place, and only that
 * vector is written (`rewriteVector`): the transform then sees each point's
 * id, that one vector and the payload `options.payload` names, and only that
 * vector of what it returns is written. Older servers, an unnamed vector and
 * `--dry-run` take the full copy.
 */
export async function changeVector(
  ctx: ToolkitContext,
  name: string,
  vectorName: string,
  params: Partial<VectorParams>,
  options: BlueGreenOptions = {},
): Promise<BlueGreenResult> {
  const current = await resolveAlias(ctx, name, options.adoptPhysical === true);
  const { vectors } = (await ctx.qdrant.getCollection(current)).config.params;
  if (isSingleVector(vectors)) {
    if (vectorName !== "") throw noVector(name, vectorName, 'it has one unnamed vector ("")');
    return blueGreen(ctx, name, { vectors: { ...vectors, ...params } }, options);
  }
  const named = namedVectorsOf(vectors);
  const live = named[vectorName];
  if (!live) {
    const names = Object.keys(named).map((n) => `"${n}"`);
    throw noVector(name, vectorName, `its dense vectors are ${names.join(", ") || "none"}`);
  }
  const wanted = { ...live, ...params };
  const spec = { vectors: { ...named, [vectorName]: wanted } };
  if (ctx.engine?.dryRun || !(await namedVectorCalls(ctx.version)).supported) {
    return blueGreen(ctx, name, spec, options);
  }
  // 1.18+: the new collection is a server-side clone, then only this vector is written.
  return blueGreenFilling(ctx, name, spec, options, async (from, target) => {
    const clone = await copyCollection(ctx, from, target);
    const rewrite = await rewriteVector(ctx, from, target, vectorName, wanted, options);
    return {
      ...clone,
      copied: rewrite.written,
      skipped: rewrite.dropped,
      count: rewrite.count,
      sampled: rewrite.sampled,
    };
  });
}

/** The physical collection alias `name` points at; `name` itself for a physical collection adopted. */
async function resolveAlias(ctx: ToolkitContext, name: string, adopt: boolean): Promise<string> {
  const alias = (await ctx.qdrant.getAliases()).aliases.find((a) => a.alias_name === name);
  if (alias) return alias.collection_name;
  const { collections } = await ctx.qdrant.getCollections();
  if (!collections.some((c) => c.name === name)) {
    throw new BlueGreenInvalidError(name, "there is no collection or alias of that name");
  }
  if (!adopt) throw new CollectionNotAliasedError(name);
  return name;
}

/** Why the live points' vectors cannot be written unchanged into `wanted`; `undefined` when they can. */
function vectorsThatNoLongerFit(
  info: Schemas["CollectionInfo"],
  wanted: CollectionSpec,
): string | undefined {
  const before = info.config.params.vectors;
  const after = wanted.vectors;
  if (isSingleVector(before) !== isSingleVector(after)) {
    return "the vectors change between one unnamed vector and named ones";
  }
  if (isSingleVector(before) && isSingleVector(after)) {
    return before.size === after.size ? undefined : 'the size of vector "" changes';
  }
  const old = namedVectorsOf(before);
  const resized = Object.entries(namedVectorsOf(after))
    .filter(([vector, params]) => old[vector] !== undefined && old[vector].size !== params.size)
    .map(([vector]) => `vector "${vector}"`);
  return resized.length > 0 ? `the size of ${resized.join(", ")} changes` : undefined;
}

/**
 * Whether the live collection already is `wanted`: no difference but
 * `extra` ones, and no vector of the live collection left out of `wanted`.
 */
function sameSchema(info: Schemas["CollectionInfo"], wanted: CollectionSpec): boolean {
  const { differences } = diffCollection(info, wanted, { supported: true, version: "" });
  return differences.every(
    (d) => d.resolution === "extra" && !/^(sparse_)?vectors(\.|$)/.test(d.field),
  );
}

function noVector(name: string, vectorName: string, has: string): BlueGreenInvalidError {
  return new BlueGreenInvalidError(
    name,
    `it has no dense vector "${vectorName}" to change (${has}); add one with ctx.schema.addVector, or give blueGreen the whole vectors config`,
  );
}
