/**
 * Source of a new migration file: both halves with `up` and `down`, an
 * optional `verify`, and comments showing the step context. It does nothing
 * until filled in, and it typechecks as written.
 */
export function migrationTemplate(opts: { description: string; importFrom: string }): string {
  return `import { defineMigration } from ${JSON.stringify(opts.importFrom)};

// Every step receives ctx = { db, qdrant, schema, log, progress, signal, migration, dryRun, engine }:
// - ctx.db: Kysely on this migration's Postgres transaction, which commits only
//   after the Qdrant step (and verify) succeed:
//     await ctx.db.schema.createTable("items").addColumn("id", "bigint", (c) => c.primaryKey()).execute();
//     await sql\`ALTER TABLE items ADD COLUMN title text\`.execute(ctx.db);  // sql from "kysely"
// - ctx.qdrant: a QdrantClient; collections are snapshotted before their first change
//   and restored if anything fails. Pass { wait: true } on every write:
//     await ctx.qdrant.upsert("items", { wait: true, points: [...] });
// - ctx.schema: idempotent schema operations over ctx.qdrant, rolled back alike:
//     await ctx.schema.ensureCollection("items", { vectors: { size: 384, distance: "Cosine" } });
// - ctx.log.info(...) / ctx.log.warn(...): progress lines in the runner's output.
// - ctx.progress({ operation, done, total }): how far a long loop is (a progress bar).
// - ctx.signal: aborted when the run is cancelled; check it in long loops.
// - ctx.migration: { name, direction } of this run.
// - ctx.dryRun: true while \`up --dry-run\` simulates the Qdrant step; skip paid calls.
// - ctx.engine: what backfill/importPoints need from the engine (checkpoints, the dry run);
//   pass ctx (or { ...ctx, ... }) to them whole, so they resume and dry-run as documented.
export default defineMigration({
  description: ${JSON.stringify(opts.description)},
  // Qdrant collections this migration changes or creates.
  collections: [],
  postgres: {
    async up(ctx) {
      ctx.log.info("postgres up: nothing to do yet");
    },
    async down(ctx) {
      ctx.log.info("postgres down: nothing to do yet");
    },
  },
  qdrant: {
    async up(ctx) {
      ctx.log.info("qdrant up: nothing to do yet");
    },
    async down(ctx) {
      ctx.log.info("qdrant down: nothing to do yet");
    },
  },
  // Optional: runs after both up steps, before Postgres commits; throw to roll both back.
  async verify(ctx) {
    ctx.log.info("verify: nothing to check yet");
  },
});
`;
}
