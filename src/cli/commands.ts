import {
  type CheckResult,
  createMigrator,
  MigrationsInCodeError,
  type Migrator,
  type MigratorEvent,
  type PlanEntry,
  type ProjectConfig,
  type ResolvedConfig,
  type RunResult,
} from "../index.js";
import type { Activity } from "./activity.js";
import {
  consistencyOf,
  createMigrationFile,
  describeWrites,
  generateMigration,
  messageOf,
  verdictOf,
  waitForServices,
  writeSchemaFile,
} from "./engine-api.js";
import { logEvents } from "./event-log.js";
import { ExitCode, exitCodeFor, exitCodeForVerdict } from "./exit-codes.js";
import type {
  DownFlags,
  GenerateFlags,
  PruneCollectionsFlags,
  PruneFlags,
  RepairFlags,
  UpFlags,
} from "./options.js";
import type { Output } from "./output.js";

/** What every command runs against. */
export interface CommandContext {
  config: ResolvedConfig;
  out: Output;
  /** `--wait`: seconds to wait for both stores first. */
  waitSeconds?: number;
  signal?: AbortSignal;
  /** Follows the migrator's events, for what an interrupt would stop. */
  activity?: Activity;
}

/** The commands that run against a migrator, each a typed function over the public API. */
export type MigratorCommand = (migrator: Migrator, out: Output) => Promise<ExitCode>;

/** Waits for the stores if asked, runs `command` against a fresh migrator, and closes it. */
export async function withMigrator(
  ctx: CommandContext,
  command: MigratorCommand,
): Promise<ExitCode> {
  const { config, out, signal } = ctx;
  if (ctx.waitSeconds !== undefined) {
    await waitForServices(config, {
      timeoutMs: ctx.waitSeconds * 1000,
      signal,
      onWaiting: (store, error, elapsedMs) => {
        out.log(`waiting for ${store} (${Math.round(elapsedMs / 1000)}s): ${messageOf(error)}`);
      },
    });
  }
  const log = logEvents(out);
  const onEvent = (event: MigratorEvent) => {
    ctx.activity?.track(event);
    log(event);
  };
  ctx.activity?.idle();
  const migrator = createMigrator(config, { onEvent, signal });
  try {
    return await command(migrator, out);
  } finally {
    await migrator.close();
  }
}

export async function create(config: ProjectConfig, out: Output, name: string): Promise<ExitCode> {
  if (config.migrations.kind === "provider") throw new MigrationsInCodeError(config.configFile);
  const path = await createMigrationFile({
    dir: config.migrations.dir,
    pattern: config.migrations.pattern,
    name,
  });
  out.result({ ok: true, path });
  out.line(`created ${path}`);
  return ExitCode.OK;
}

/**
 * `generate NAME`: the migration from the managed collections to the declared
 * schema; `--schema-only`: the schema file from the managed collections.
 */
export const generate =
  (config: ResolvedConfig, flags: GenerateFlags, name: string | undefined): MigratorCommand =>
  async (migrator, out) => {
    const managed = await migrator.managedSchemas({ from: flags.from });
    if (flags.schemaOnly) {
      const { file, schema } = await writeSchemaFile(config, managed);
      const counts = {
        collections: Object.keys(schema.collections ?? {}).length,
        templates: Object.keys(schema.templates ?? {}).length,
      };
      out.result({ ok: true, schemaFile: file, ...counts });
      out.line(
        `wrote ${file}: ${counts.collections} collection(s), ${counts.templates} template(s), from ${managed.length} managed collection(s)`,
      );
      return ExitCode.OK;
    }
    if (name === undefined) {
      out.error("generate needs a migration NAME (or --schema-only)");
      return ExitCode.USAGE;
    }
    const result = await generateMigration({ config, name, managed, from: flags.from });
    out.result({ ok: true, ...result });
    for (const c of result.collections) {
      for (const d of c.differences) out.line(`${c.name}: ${d}`);
    }
    if (result.path === undefined) {
      out.line(
        `no differences between ${result.schemaFile} and the ${flags.from === "live" ? "server" : "journal"}: nothing written`,
      );
      return ExitCode.OK;
    }
    out.line(`generated ${result.path}`);
    if (result.decisions > 0) {
      out.line(
        `${result.decisions} TODO(s) need your decision: the migration throws until you write them`,
      );
    }
    return ExitCode.OK;
  };

export const up =
  (flags: UpFlags, dryRun: boolean): MigratorCommand =>
  async (migrator, out) => {
    const options = {
      to: flags.to,
      step: flags.step,
      autoRecover: flags.autoRecover,
      allowChanged: flags.allowChanged === true,
      allowMissing: flags.allowMissing === true,
      allowOutOfOrder: flags.allowOutOfOrder === true,
      concurrentWrites: flags.concurrentWrites,
    };
    if (dryRun)
      return printPlan(await migrator.plan({ ...options, simulate: flags.simulate }), out);
    return printRun(await migrator.up(options), out, "applied");
  };

export const down =
  (flags: DownFlags, dryRun: boolean): MigratorCommand =>
  async (migrator, out) => {
    const to = flags.to === "0" ? 0 : flags.to;
    if (dryRun) {
      return printPlan(
        await migrator.plan({
          direction: "down",
          downTo: to,
          downStep: flags.step,
          downFromSnapshot: flags.fromSnapshot === true,
          allowChanged: flags.allowChanged === true,
          allowMissing: flags.allowMissing === true,
        }),
        out,
      );
    }
    const result = await migrator.down({
      to,
      step: flags.step,
      fromSnapshot: flags.fromSnapshot === true,
      allowChanged: flags.allowChanged === true,
      allowMissing: flags.allowMissing === true,
      concurrentWrites: flags.concurrentWrites,
    });
    return printRun(result, out, "reverted");
  };

export const status: MigratorCommand = async (migrator, out) => {
  const result = await migrator.status();
  const verdict = verdictOf(consistencyOf(result.migrations));
  out.result({ ok: verdict === "consistent", ...result });
  for (const m of result.migrations) {
    const flags = [
      m.changed && "CHANGED",
      m.outOfOrder && "OUT OF ORDER",
      m.resumes && "RESUMED BY THE NEXT up (resumable)",
    ]
      .filter(Boolean)
      .join(" ");
    out.line(`${m.state.padEnd(11)} ${m.name}${flags ? `  ${flags}` : ""}`);
    if (m.error) out.line(`            error: ${m.error.replaceAll("\n", "\n            ")}`);
  }
  if (result.collections.length > 0) out.line();
  for (const c of result.collections) {
    out.line(
      `collection ${c.collectionName}: schema version ${c.schemaVersion} (by ${c.lastMigration ?? "baseline"})`,
    );
  }
  if (result.aliases.length > 0) out.line();
  for (const a of result.aliases) out.line(`alias ${a.alias} -> ${a.collection}`);
  printDeclaredSchema(result.declaredSchema, out);
  return exitCodeForVerdict(verdict);
};

export const current: MigratorCommand = async (migrator, out) => {
  const { migrations } = await migrator.status();
  const last = migrations.filter((m) => m.state === "applied").at(-1)?.name ?? null;
  out.result({ ok: true, current: last });
  out.line(last ?? "(no migration applied)");
  return ExitCode.OK;
};

/** Every run, oldest first; `--json` also gives each migration's latest run (`HistoryEntry`) under `migrations`. */
export const history: MigratorCommand = async (migrator, out) => {
  const [runs, entries] = await Promise.all([migrator.runs(), migrator.history()]);
  out.result({ ok: true, runs, migrations: entries });
  for (const r of runs) {
    const finished = r.finishedAt ? `  finished ${r.finishedAt.toISOString()}` : "";
    const duration = r.durationMs !== null ? `  ${r.durationMs} ms` : "";
    const runner = r.runner ? `  by ${r.runner}` : "";
    out.line(
      `${r.startedAt.toISOString()}  ${r.name}  ${r.direction}  ${r.status}${finished}${duration}${runner}` +
        `${r.error ? `  error: ${r.error}` : ""}`,
    );
  }
  return ExitCode.OK;
};

export const check: MigratorCommand = async (migrator, out) =>
  printCheck(await migrator.check(), out);

export const repair =
  (flags: RepairFlags): MigratorCommand =>
  async (migrator, out) => {
    const result = await migrator.repair({ concurrentWrites: flags.concurrentWrites });
    out.result({ ok: true, ...result });
    for (const name of result.recovered) out.line(`recovered ${name}`);
    for (const name of result.cleared) out.line(`cleared failed ${name}`);
    if (result.recovered.length + result.cleared.length === 0) out.line("nothing to repair");
    return ExitCode.OK;
  };

export const baseline =
  (to: string): MigratorCommand =>
  async (migrator, out) => {
    const result = await migrator.baseline({ to });
    out.result({ ok: true, ...result });
    for (const name of result.stamped) out.line(`marked applied ${name}`);
    out.line(`recorded ${result.collections.length} collection(s)`);
    return ExitCode.OK;
  };

export const listSnapshots: MigratorCommand = async (migrator, out) => {
  const { snapshots, leftAlone } = await migrator.listSnapshots();
  out.result({ ok: true, snapshots, leftAlone });
  for (const s of snapshots) {
    out.line(
      `${s.collection}  ${s.name}  ${s.size} bytes  ${s.creationTime ?? ""}  (${s.migration})`,
    );
  }
  if (leftAlone > 0) out.line(notInJournal(leftAlone));
  return ExitCode.OK;
};

export const pruneSnapshots =
  (flags: PruneFlags): MigratorCommand =>
  async (migrator, out) => {
    const pruned = await migrator.pruneSnapshots({ keep: flags.keep, force: flags.force });
    out.result({ ok: true, pruned });
    for (const p of pruned) {
      for (const s of p.deleted) out.line(`deleted ${p.collection}/${s}`);
      for (const s of p.kept) {
        out.line(
          s.reason === "in_progress"
            ? `kept ${p.collection}/${s.name}: interrupted migration ${s.neededBy} rolls back from it (even with --force; run repair)`
            : `kept ${p.collection}/${s.name}: ${s.neededBy} needs it for down --from-snapshot (--force deletes it)`,
        );
      }
    }
    const leftAlone = pruned.reduce((n, p) => n + p.leftAlone, 0);
    if (leftAlone > 0) out.line(notInJournal(leftAlone));
    return ExitCode.OK;
  };

/** The snapshots on this project's collections that its journal does not record. */
function notInJournal(count: number): string {
  return (
    `left alone ${count} other snapshot(s) of these collections: this project's journal ` +
    "does not record them (another project's, or taken by a runner that died before journaling it)"
  );
}

export const pruneCollections =
  (flags: PruneCollectionsFlags, dryRun: boolean): MigratorCommand =>
  async (migrator, out) => {
    const pruned = await migrator.pruneCollections({ keep: flags.keep, dryRun });
    out.result({ ok: true, dryRun, pruned });
    for (const p of pruned) {
      for (const c of p.deleted) out.line(`${dryRun ? "would delete" : "deleted"} ${c}`);
      for (const k of p.kept) {
        out.line(
          `kept ${k.collection}: ${
            k.reason === "aliased"
              ? "an alias points at it"
              : k.reason === "needed"
                ? `down of ${k.neededBy} points ${p.name} back at it`
                : `among the newest unaliased versions of ${p.name}`
          }`,
        );
      }
    }
    if (pruned.every((p) => p.deleted.length === 0))
      out.line("no old collection versions to delete");
    return ExitCode.OK;
  };

function printRun(result: RunResult, out: Output, verb: "applied" | "reverted"): ExitCode {
  const done = result.results.filter((r) => r.status === "success").map((r) => r.name);
  out.result({
    ok: !result.error,
    results: result.results,
    recovered: result.recovered,
    ...(result.error ? { error: { code: result.error.code, message: result.error.message } } : {}),
  });
  if (result.error) {
    out.error(result.error.message);
    return exitCodeFor(result.error.code);
  }
  const nothing = verb === "applied" ? "nothing to do: up to date" : "nothing to revert";
  out.line(done.length === 0 ? nothing : `${verb} ${done.length}: ${done.join(", ")}`);
  return ExitCode.OK;
}

function printPlan(plan: PlanEntry[], out: Output): ExitCode {
  // A typed refusal (say SCHEMA_INCOMPATIBLE) in a simulated step fails the real run too.
  const refused = plan.find((p) => p.simulationStoppedCode !== undefined)?.simulationStoppedCode;
  out.result({ ok: refused === undefined, dryRun: true, plan });
  if (plan.length === 0) out.line("nothing to do: up to date");
  for (const p of plan) {
    out.line(`${p.direction} ${p.name}${p.description ? `: ${p.description}` : ""}`);
    if (p.recovers) out.line("  its interrupted run is restored first, then it runs again");
    if (p.resumes) {
      out.line(
        "  its interrupted run is resumed: it runs again over what that run left (resumable)",
      );
    }
    if (p.snapshots.length > 0) out.line(`  snapshots first: ${p.snapshots.join(", ")}`);
    if (p.inverses.length > 0) {
      out.line(
        `  inverse operations (a snapshot only before a write that deletes or overwrites data): ${p.inverses.join(", ")}`,
      );
    }
    if (p.creates.length > 0) out.line(`  creates: ${p.creates.join(", ")}`);
    if (p.operations) {
      out.line(
        p.operations.length > 0
          ? "  its Qdrant step would send (simulated; the Postgres step not run):"
          : "  its Qdrant step would send nothing (simulated)",
      );
      for (const op of p.operations) out.line(`    ${op}`);
    }
    if (p.simulationStopped) out.line(`  the simulation stopped early: ${p.simulationStopped}`);
    if (p.restores && p.restores.length > 0) {
      out.line(`  restores from the snapshots taken when it was applied: ${p.restores.join(", ")}`);
    }
    for (const d of p.discards ?? []) {
      out.line(
        d.outcome === "unchecked"
          ? `  ${d.collection}: writes by others since its snapshot cannot be told from the migration's`
          : `  ${d.collection}: restoring it would discard writes by others since its snapshot: ${describeWrites(d)}`,
      );
    }
    if (p.restores && p.restores.length > 0 && (p.discards ?? []).length === 0) {
      out.line(
        "  nobody else wrote to them since: restoring discards only the migration's changes",
      );
    }
  }
  return refused === undefined ? ExitCode.OK : exitCodeFor(refused);
}

function printCheck(result: CheckResult, out: Output): ExitCode {
  out.result(result);
  const lines: [string, string[]][] = [
    ["changed since applied", result.changed],
    ["applied but file missing", result.missing],
    ["failed", result.failed],
    ["interrupted", result.interrupted],
    ["interrupted, resumed by the next up", result.resumes],
    ["out of order", result.outOfOrder],
    ["pending", result.pending],
  ];
  for (const [label, names] of lines) for (const n of names) out.line(`${label}: ${n}`);
  for (const d of result.drift) {
    for (const diff of d.differences) out.line(`drift in ${d.collection}: ${diff}`);
  }
  printDeclaredSchema(result.declaredSchema, out);
  if (result.ok) out.line("ok: everything applied, files unchanged, no drift");
  return exitCodeForVerdict(verdictOf(result));
}

function printDeclaredSchema(differences: CheckResult["declaredSchema"], out: Output): void {
  for (const d of differences) {
    for (const diff of d.differences)
      out.line(`declared schema differs in ${d.collection}: ${diff}`);
  }
  if (differences.length > 0) out.line("run `qdrant-migrate generate NAME` to write the migration");
}
