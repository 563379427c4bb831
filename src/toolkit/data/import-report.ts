import type { PointId } from "./point-ids.js";

/** What an import wrote into one collection, and what reading it back found. */
export interface ImportReport {
  collection: string;
  /** Source records, including those an earlier run of this migration wrote. */
  records: number;
  /** Records this run wrote. */
  written: number;
  /** Records an earlier run had written, skipped by this one. */
  resumedFrom: number;
  distinctIds: number;
  /** Imported ids found in the collection (retrieved by id). */
  present: number;
  missing: number;
  /** The first few missing ones. */
  missingIds: { sourceId: string | number; id: PointId; origin: string }[];
  sampled: number;
  mismatches: { id: PointId; origin: string; what: string }[];
  ok: boolean;
}
