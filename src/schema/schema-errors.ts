import { QdrantMigrateError } from "../errors.js";
import { describeDifference, type SchemaDifference } from "./differences.js";
import { show } from "./values.js";

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
