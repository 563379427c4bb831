import { show } from "../../collection-schema/values.js";
import { QdrantMigrateError } from "../../errors.js";
import { describeDifference, type SchemaDifference } from "./differences.js";

/**
 * A collection differs from what the migration wants in ways Qdrant cannot
 * change in place. Nothing was changed: `differences` lists every
 * difference found, the refused ones and those that could have been applied.
 */
export class SchemaIncompatibleError extends QdrantMigrateError {
  constructor(
    readonly collection: string,
    readonly differences: readonly SchemaDifference[],
  ) {
    const refused = differences.filter((d) => d.resolution === "refused");
    const lines = differences.map((d) => `  - ${describeDifference(d)}`);
    super(
      "SCHEMA_INCOMPATIBLE",
      `Collection "${collection}" cannot be changed in place to what the migration wants (${refused.length} of ${differences.length} difference${differences.length === 1 ? "" : "s"} refused; nothing was changed):\n${lines.join("\n")}`,
    );
  }
}

/** A payload index exists on the field with another schema than the one asked for. */
export class PayloadIndexConflictError extends QdrantMigrateError {
  constructor(
    readonly collection: string,
    readonly field: string,
    readonly live: unknown,
    readonly wanted: unknown,
  ) {
    super(
      "PAYLOAD_INDEX_CONFLICT",
      `Collection "${collection}" already has a payload index on "${field}" with schema ${show(live)}, not the wanted ${show(wanted)}. Nothing was changed: to re-type it, call ctx.schema.dropPayloadIndex("${collection}", "${field}") first (filters on the field run unindexed until the new index is built).`,
    );
  }
}

/** A settings change outside Qdrant's own limits, or one Qdrant cannot make in place. */
export class SchemaChangeInvalidError extends QdrantMigrateError {
  constructor(
    readonly collection: string,
    readonly problems: readonly string[],
  ) {
    super(
      "SCHEMA_CHANGE_INVALID",
      `Cannot update collection "${collection}"; nothing was sent:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}

/** A blue-green change cannot be made as asked; nothing was changed. */
export class BlueGreenInvalidError extends QdrantMigrateError {
  constructor(
    readonly collection: string,
    readonly problem: string,
  ) {
    super("BLUE_GREEN_INVALID", `Blue-green change of "${collection}": ${problem}.`);
  }
}

/**
 * A blue-green change was asked of a physical collection: applications
 * address it by name, and an alias cannot share a collection's name.
 */
export class CollectionNotAliasedError extends QdrantMigrateError {
  /** `why`: what made a blue-green change necessary, when the caller did not ask for one. */
  constructor(
    readonly collection: string,
    why?: string,
  ) {
    super(
      "COLLECTION_NOT_ALIASED",
      (why ? `${why}. ` : "") +
        `"${collection}" is a physical collection, not an alias, so a blue-green change cannot switch it: ` +
        `the alias "${collection}" can only be created once the collection "${collection}" is dropped. ` +
        `Nothing was changed. To convert it, pause every writer of "${collection}" (a write freeze: ` +
        `writes during the copy would be lost), then pass { adoptPhysical: true }: the migration copies it ` +
        `into "${collection}_v1" (or the next free version), verifies the copy, drops "${collection}" ` +
        `(snapshotted first, so a rollback restores it) and creates the alias "${collection}"; ` +
        'then resume the writers (docs/operations.md, "Adopting a physical collection").',
    );
  }
}

/** After the alias request, the alias does not point at the new collection. */
export class AliasSwitchError extends QdrantMigrateError {
  constructor(
    readonly alias: string,
    /** `undefined`: the alias should be gone. */
    readonly wanted: string | undefined,
    readonly actual: string | undefined,
  ) {
    super(
      "ALIAS_SWITCH_FAILED",
      `The alias "${alias}" should ${wanted === undefined ? "be gone" : `point at "${wanted}"`} after the switch, but ${
        actual === undefined ? "it does not exist" : `it points at "${actual}"`
      }: something else changed aliases meanwhile. The migration fails and its rollback puts the alias back.`,
    );
  }
}

/**
 * `revertAlias` in a `down` step cannot switch the alias back: the `up` being
 * reverted recorded nothing about it, or what it recorded cannot be put back
 * by an alias request. Nothing was changed.
 */
export class AliasRevertError extends QdrantMigrateError {
  constructor(
    readonly alias: string,
    readonly migration: string,
    readonly problem: string,
  ) {
    super(
      "ALIAS_REVERT_REFUSED",
      `revertAlias("${alias}") in migration ${migration}: ${problem}. Nothing was changed.`,
    );
  }
}
