import { show } from "../../collection-schema/values.js";

/**
 * What the schema toolkit does with one difference between a live collection
 * and what a migration wants: `in-place` is applied (or, in an error, would
 * have been), `refused` cannot be changed in place (`remedy` says what can),
 * `extra` exists only in the live collection and is left alone.
 */
export type DifferenceResolution = "in-place" | "refused" | "extra";

/** One difference between a live collection and a spec or patch. */
export interface SchemaDifference {
  /** Where, as a path in the create-collection body: `vectors.text.size`, `payloadIndexes.lang`, `hnsw_config.m`. */
  field: string;
  /** The live value; undefined when the live collection lacks it. */
  live: unknown;
  /** The wanted value; undefined for an `extra`. */
  wanted: unknown;
  resolution: DifferenceResolution;
  /** For a `refused` difference: how the change can be made instead. */
  remedy?: string;
}

/** A vector's size, distance, datatype or multivector config, or the unnamed/named shape. */
export const BLUE_GREEN_REMEDY =
  "needs a blue-green change: a new named vector backfilled from the data, or ctx.schema.changeVector (one vector) or ctx.schema.blueGreen (any change): a new collection filled by a copy and switched behind an alias";

/** One line per difference, for messages and logs. */
export function describeDifference(d: SchemaDifference): string {
  const values = `live ${show(d.live)}, wanted ${show(d.wanted)}`;
  switch (d.resolution) {
    case "in-place":
      return `${d.field}: ${values} (can change in place)`;
    case "extra":
      return `${d.field}: live ${show(d.live)}, not in the spec (left as is)`;
    case "refused":
      return `${d.field}: ${values} (${d.remedy ?? "cannot change in place"})`;
  }
}
