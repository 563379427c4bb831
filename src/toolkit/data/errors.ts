import { QdrantMigrateError } from "../../errors.js";
import type { ImportReport } from "./import-report.js";

/** A record of an import source is malformed; `origin` is `file:line` when known. */
export class SourceRecordError extends QdrantMigrateError {
  constructor(
    readonly origin: string,
    readonly problem: string,
  ) {
    super("SOURCE_RECORD_INVALID", `${origin}: ${problem}.`);
  }
}

/** A backfill's transform returned something that is not a patch. */
export class BackfillPatchError extends QdrantMigrateError {
  constructor(
    readonly collection: string,
    readonly pointId: string | number,
    readonly problem: string,
  ) {
    super(
      "BACKFILL_PATCH_INVALID",
      `Backfill of ${collection}: the transform of point ${JSON.stringify(pointId)} returned ${problem}; ` +
        "return { payload?, vectors? } or null to skip the point.",
    );
  }
}

/** After an import, imported ids are missing from the collection or sampled points differ from their source. */
export class ImportVerificationError extends QdrantMigrateError {
  constructor(readonly report: ImportReport) {
    const problems: string[] = [];
    if (report.missing > 0) {
      const examples = report.missingIds.map((m) => `${JSON.stringify(m.sourceId)} (${m.origin})`);
      problems.push(
        `${report.missing} of ${report.distinctIds} imported ids are not in the collection, e.g. ${examples.join(", ")}`,
      );
    }
    for (const m of report.mismatches) {
      problems.push(
        `point ${JSON.stringify(m.id)} (${m.origin}) differs from its source: ${m.what}`,
      );
    }
    super(
      "IMPORT_VERIFICATION_FAILED",
      `Import into ${report.collection} failed verification: ${problems.join("; ")}. ` +
        "Run the migration again: the import writes what is missing (re-writing a point is harmless).",
    );
  }
}

/** After a copy, the target's exact count or a sampled point is not what the copy wrote. */
export class CopyVerificationError extends QdrantMigrateError {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly problems: readonly string[],
    advice = `${to} held other points before, or something wrote to it meanwhile: ` +
      "copy into a new or empty collection, with its writers paused",
  ) {
    super(
      "COPY_VERIFICATION_FAILED",
      `Copy of ${from} into ${to} failed verification: ${problems.join("; ")}. ${advice}.`,
    );
  }
}
