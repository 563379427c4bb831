import { QdrantMigrateError } from "../errors.js";
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
