/**
 * What the CLI needs from the engine beyond the public API: helpers for
 * printing, redacting, waiting and writing files that are no promise to
 * library users. The CLI imports `../index.js` and this module only; the
 * bundle (`scripts/bundle.mjs`) puts both in the one module graph the
 * package's entry points share, so the classes stay the same classes.
 */
export { configSecrets } from "../config/secrets.js";
export { generateMigration } from "../declared-schema/generate-migration.js";
export { writeSchemaFile } from "../declared-schema/write-schema-file.js";
export { describeWrites } from "../engine/concurrent-writes.js";
export { consistencyOf, type Verdict, verdictOf } from "../engine/verdict.js";
export { waitForServices } from "../engine/wait-for-services.js";
export { messageOf } from "../errors.js";
export { createMigrationFile } from "../migration/create-migration.js";
export { redactSecrets } from "../util/redact.js";
