import type { ResolvedConfig } from "../config/resolve-config.js";
import { type CheckResult, createMigrator, type Migrator, type RunResult } from "../index.js";
import { createMigrationFile } from "../migration/create-migration.js";
import { logEvents } from "./event-log.js";
import { ExitCode, exitCodeFor } from "./exit-codes.js";
import type { Output } from "./output.js";
import type { GlobalOptions } from "./program.js";
import { waitForServices } from "./wait-for-services.js";

export type CommandName =
  | "up"
  | "down"
  | "status"
  | "current"
  | "history"
  | "check"
  | "create"
  | "repair"
  | "baseline"
  | "snapshots-list"
  | "snapshots-prune";

export interface CommandEnv {
  config: ResolvedConfig;
  out: Output;
  signal?: AbortSignal;
}

type Options = GlobalOptions & Record<string, unknown>;

/** Runs one CLI command against a migrator and prints its result. */
export async function runCommand(
  name: CommandName,
  args: string[],
  options: Options,
  env: CommandEnv,
): Promise<number> {
  const { config, out } = env;
  if (name === "create") {
    const path = await createMigrationFile({ dir: config.migrations.dir, name: args[0] ?? "" });
    out.result({ ok: true, path });
    out.line(`created ${path}`);
    return ExitCode.OK;
  }
  if (options.dryRun && name !== "up" && name !== "down") {
    // Silently running a command that changes things "for real" would be worse than refusing.
    out.error(`--dry-run is supported by up and down only, not by ${name.replace("-", " ")}`);
    return ExitCode.USAGE;
  }
  if (options.wait !== undefined) await waitForServices(config, options.wait, out, env.signal);
  const migrator = createMigrator(config, { onEvent: logEvents(out), signal: env.signal });
  try {
    return await dispatch(name, args, options, migrator, out);
  } finally {
    await migrator.close();
  }
}

async function dispatch(
  name: Exclude<CommandName, "create">,
  args: string[],
  options: Options,
  migrator: Migrator,
  out: Output,
): Promise<number> {
  switch (name) {
    case "up": {
      const upOptions = {
        to: options.to as string | undefined,
        step: options.step as number | undefined,
        autoRecover: options.autoRecover !== false,
        allowChanged: options.allowChanged === true,
        allowMissing: options.allowMissing === true,
        allowOutOfOrder: options.allowOutOfOrder === true,
      };
      if (options.dryRun) return printPlan(await migrator.plan(upOptions), out);
      return printRun(await migrator.up(upOptions), out, "applied");
    }
    case "down": {
      const to = options.to === "0" ? 0 : (options.to as string | undefined);
      if (options.dryRun) {
        return printPlan(
          await migrator.plan({
            direction: "down",
            downTo: to,
            downStep: options.step as number | undefined,
          }),
          out,
        );
      }
      return printRun(
        await migrator.down({
          to,
          step: options.step as number | undefined,
          fromSnapshot: options.fromSnapshot === true,
          allowChanged: options.allowChanged === true,
          allowMissing: options.allowMissing === true,
        }),
        out,
        "reverted",
      );
    }
    case "status": {
      const status = await migrator.status();
      const pending = status.migrations.filter((m) => m.state === "pending").length;
      const bad = status.migrations.some(
        (m) =>
          m.changed ||
          m.outOfOrder ||
          m.state === "missing" ||
          m.state === "failed" ||
          m.state === "in_progress",
      );
      out.result({ ok: !bad && pending === 0, ...status });
      for (const m of status.migrations) {
        const flags = [m.changed && "CHANGED", m.outOfOrder && "OUT OF ORDER"]
          .filter(Boolean)
          .join(" ");
        out.line(`${m.state.padEnd(11)} ${m.name}${flags ? `  ${flags}` : ""}`);
      }
      if (status.collections.length > 0) out.line();
      for (const c of status.collections) {
        out.line(
          `collection ${c.collectionName}: schema version ${c.schemaVersion} (by ${c.lastMigration ?? "baseline"})`,
        );
      }
      return bad ? ExitCode.INCONSISTENT : pending > 0 ? ExitCode.PENDING : ExitCode.OK;
    }
    case "current": {
      const { migrations } = await migrator.status();
      const current = migrations.filter((m) => m.state === "applied").at(-1)?.name ?? null;
      out.result({ ok: true, current });
      out.line(current ?? "(no migration applied)");
      return ExitCode.OK;
    }
    case "history": {
      const records = await migrator.history();
      out.result({ ok: true, migrations: records });
      for (const r of records) {
        out.line(
          `${r.name}  ${r.status}${r.direction === "down" ? " (down)" : ""}  ${r.finishedAt?.toISOString() ?? "-"}` +
            `${r.durationMs !== null ? `  ${r.durationMs} ms` : ""}${r.error ? `  error: ${r.error}` : ""}`,
        );
      }
      return ExitCode.OK;
    }
    case "check":
      return printCheck(await migrator.check(), out);
    case "repair": {
      const result = await migrator.repair();
      out.result({ ok: true, ...result });
      for (const name of result.recovered) out.line(`recovered ${name}`);
      for (const name of result.cleared) out.line(`cleared failed ${name}`);
      if (result.recovered.length + result.cleared.length === 0) out.line("nothing to repair");
      return ExitCode.OK;
    }
    case "baseline": {
      const result = await migrator.baseline({ to: args[0] ?? "" });
      out.result({ ok: true, ...result });
      for (const name of result.stamped) out.line(`marked applied ${name}`);
      out.line(`recorded ${result.collections.length} collection(s)`);
      return ExitCode.OK;
    }
    case "snapshots-list": {
      const snapshots = await migrator.listSnapshots();
      out.result({ ok: true, snapshots });
      for (const s of snapshots)
        out.line(`${s.collection}  ${s.name}  ${s.size} bytes  ${s.creationTime ?? ""}`);
      return ExitCode.OK;
    }
    case "snapshots-prune": {
      const pruned = await migrator.pruneSnapshots({ keep: options.keep as number | undefined });
      out.result({ ok: true, pruned });
      for (const p of pruned) for (const s of p.deleted) out.line(`deleted ${p.collection}/${s}`);
      return ExitCode.OK;
    }
  }
}

function printRun(result: RunResult, out: Output, verb: string): number {
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
  out.line(
    done.length === 0
      ? verb === "applied"
        ? "nothing to do: up to date"
        : "nothing to revert"
      : `${verb} ${done.length}: ${done.join(", ")}`,
  );
  return ExitCode.OK;
}

function printPlan(plan: Awaited<ReturnType<Migrator["plan"]>>, out: Output): number {
  out.result({ ok: true, dryRun: true, plan });
  if (plan.length === 0) out.line("nothing to do: up to date");
  for (const p of plan) {
    out.line(`${p.direction} ${p.name}${p.description ? `: ${p.description}` : ""}`);
    if (p.snapshots.length > 0) out.line(`  snapshots first: ${p.snapshots.join(", ")}`);
    if (p.inverses.length > 0) {
      out.line(
        `  inverse operations (a snapshot only before a write that deletes or overwrites data): ${p.inverses.join(", ")}`,
      );
    }
    if (p.creates.length > 0) out.line(`  creates: ${p.creates.join(", ")}`);
  }
  return ExitCode.OK;
}

function printCheck(result: CheckResult, out: Output): number {
  out.result(result);
  const lines: [string, string[]][] = [
    ["changed since applied", result.changed],
    ["applied but file missing", result.missing],
    ["failed", result.failed],
    ["interrupted", result.interrupted],
    ["out of order", result.outOfOrder],
    ["pending", result.pending],
  ];
  for (const [label, names] of lines) for (const n of names) out.line(`${label}: ${n}`);
  for (const d of result.drift)
    for (const diff of d.differences) out.line(`drift in ${d.collection}: ${diff}`);
  if (result.ok) {
    out.line("ok: everything applied, files unchanged, no drift");
    return ExitCode.OK;
  }
  const inconsistent =
    result.changed.length +
    result.missing.length +
    result.failed.length +
    result.interrupted.length +
    result.outOfOrder.length +
    result.drift.length;
  return inconsistent > 0 ? ExitCode.INCONSISTENT : ExitCode.PENDING;
}
