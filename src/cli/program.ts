import { readFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import {
  CONCURRENT_WRITES_POLICIES,
  type ErrorCode,
  loadConfig,
  loadProjectConfig,
  QdrantMigrateError,
  type ResolvedConfig,
} from "../index.js";
import type { Activity } from "./activity.js";
import * as commands from "./commands.js";
import { configSecrets, messageOf } from "./engine-api.js";
import { ExitCode, exitCodeFor } from "./exit-codes.js";
import type {
  DownFlags,
  GenerateFlags,
  GlobalOptions,
  PruneCollectionsFlags,
  PruneFlags,
  RepairFlags,
  UpFlags,
} from "./options.js";
import { Output } from "./output.js";

interface SandboxFlags {
  dataDir?: string;
  postgresPort?: number;
  qdrantPort?: number;
}

export interface CliIO {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** What the running command is doing, for the message of the signal that aborts it. */
  activity?: Activity;
}

/** `--wait` and `--keep`: 0 means "do not wait" and "keep none". */
const wholeNumber = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a whole number ≥ 0");
  return n;
};

/** `--concurrent-writes`: one of the policies, named in the error otherwise. */
const concurrentWritesOption = () =>
  new Option(
    "--concurrent-writes <policy>",
    "what undoing does with writes others made since the snapshots (overrides the config)",
  ).choices(CONCURRENT_WRITES_POLICIES);

/** `--step`: a count of migrations to run, so at least one. */
const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number ≥ 1");
  return n;
};

/** The package's version; `src/cli/` and the bundled `dist/cli/` both sit two levels below package.json. */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return String((manifest as { version?: unknown }).version);
}

/** Parses argv and runs one command; resolves to the exit code (never calls process.exit). */
export async function runCli(argv: readonly string[], io: CliIO = {}): Promise<number> {
  let exitCode: number = ExitCode.OK;
  let out = new Output(argv.includes("--json"), io.stdout, io.stderr);
  const program = new Command("qdrant-migrate")
    .description("Paired Postgres + Qdrant migrations with snapshot rollback")
    .version(packageVersion(), "-V, --version", "print the version")
    .option(
      "-c, --config <path>",
      "config file (default: umzug.config.ts in the working directory)",
    )
    .option("--json", "print machine-readable JSON on stdout")
    .option(
      "--wait <seconds>",
      "wait up to this long for Postgres and Qdrant to answer",
      wholeNumber,
    )
    .option("--dry-run", "print the plan without changing anything")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => (io.stdout ?? process.stdout).write(s),
      writeErr: (s) => (io.stderr ?? process.stderr).write(s),
    });

  /**
   * Wires a command: loads the config, then runs `run` with the typed
   * options of that command (commander's `opts<T>()`) and the global ones.
   */
  const action =
    <Flags extends object>(
      name: string,
      run: (
        ctx: commands.CommandContext,
        flags: Flags,
        args: string[],
        dryRun: boolean,
      ) => Promise<ExitCode>,
    ) =>
    async (...commanderArgs: unknown[]) => {
      const command = commanderArgs.at(-1) as Command;
      const globals = command.optsWithGlobals<GlobalOptions>();
      out = new Output(globals.json === true, io.stdout, io.stderr);
      exitCode = await execute(name, globals, out, io, (ctx) =>
        run(ctx, command.opts<Flags>(), command.args, globals.dryRun === true),
      );
    };
  const migratorAction = <Flags extends object>(
    name: string,
    command: (flags: Flags, args: string[], dryRun: boolean) => commands.MigratorCommand,
  ) =>
    action<Flags>(name, (ctx, flags, args, dryRun) =>
      commands.withMigrator(ctx, command(flags, args, dryRun)),
    );

  program
    .command("up")
    .description("apply pending migrations (all, or --to / --step)")
    .option("--to <name>", "apply up to and including this migration")
    .option("--step <n>", "apply at most n migrations", positiveInt)
    .option("--no-auto-recover", "stop instead of restoring an interrupted migration")
    .option(
      "--no-simulate",
      "with --dry-run: do not run the Qdrant steps against a dry client to list their writes",
    )
    .option("--allow-changed", "run even though an applied migration's file changed")
    .option("--allow-missing", "run even though an applied migration's file is gone")
    .option("--allow-out-of-order", "apply pending migrations that sort before applied ones")
    .addOption(concurrentWritesOption())
    .action(migratorAction<UpFlags>("up", (flags, _args, dryRun) => commands.up(flags, dryRun)));
  program
    .command("down")
    .description("revert the last migration (or --step / --to)")
    .addOption(
      new Option("--to <name>", "revert down to and including this migration; 0 reverts all"),
    )
    .option("--step <n>", "revert n migrations", positiveInt)
    .option("--from-snapshot", "undo the Qdrant half from the snapshots taken when it was applied")
    .option("--allow-changed", "revert even though the migration's file changed since it ran")
    .option(
      "--allow-missing",
      "revert an applied migration whose file is gone (its Qdrant half, from its snapshots)",
    )
    .addOption(concurrentWritesOption())
    .action(
      migratorAction<DownFlags>("down", (flags, _args, dryRun) => commands.down(flags, dryRun)),
    );
  const reports: [string, string, commands.MigratorCommand][] = [
    ["status", "list migrations and collection schema versions", commands.status],
    ["current", "print the last applied migration", commands.current],
    ["history", "print the migration journal", commands.history],
    [
      "check",
      "exit non-zero on pending, changed or missing files, failed state or drift",
      commands.check,
    ],
  ];
  for (const [name, description, command] of reports) {
    program
      .command(name)
      .description(description)
      .action(migratorAction(name, () => command));
  }
  program
    .command("create")
    .argument("<name>", "short name, e.g. add_title_vector")
    .description("write a new migration file")
    .action(async (name: string, _flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      out = new Output(globals.json === true, io.stdout, io.stderr);
      try {
        // Writing a file needs neither store, so neither must be configured.
        const config = await loadProjectConfig({
          configPath: globals.config,
          cwd: io.cwd,
          env: io.env,
        });
        exitCode = await commands.create(config, out, name);
      } catch (error) {
        exitCode = reportError(out, error);
      }
    });
  program
    .command("generate")
    .argument("[name]", "short name of the migration, e.g. add_title_vector")
    .description(
      "write a migration that brings the managed collections to the declared schema (qdrant.schema.ts)",
    )
    .addOption(
      new Option("--from <source>", "compare with the journal's record or the live server")
        .choices(["journal", "live"])
        .default("journal"),
    )
    .option(
      "--schema-only",
      "write the declared schema file from the managed collections (with --from live: as the server has them)",
    )
    .action(
      action<GenerateFlags>("generate", (ctx, flags, args) =>
        commands.withMigrator(ctx, commands.generate(ctx.config, flags, args[0])),
      ),
    );
  program
    .command("repair")
    .description("restore interrupted migrations from the journal; clear failed ones")
    .addOption(concurrentWritesOption())
    .action(migratorAction<RepairFlags>("repair", (flags) => commands.repair(flags)));
  program
    .command("baseline")
    .argument("<name>", "last migration already reflected in the databases")
    .description(
      "adopt an existing deployment: mark migrations up to <name> applied without running them",
    )
    .action(migratorAction("baseline", (_flags, args) => commands.baseline(args[0] ?? "")));
  const snapshots = program
    .command("snapshots")
    .description("manage the snapshots migrations take");
  snapshots
    .command("list")
    .description("list the snapshots this project's migrations took (its journal's record)")
    .action(migratorAction("snapshots list", () => commands.listSnapshots));
  snapshots
    .command("prune")
    .description("delete all but the newest of this project's snapshots of each replica")
    .option(
      "--keep <n>",
      "how many to keep per replica (default: config snapshots.keep)",
      wholeNumber,
    )
    .option(
      "--force",
      "also delete snapshots applied migrations need for down --from-snapshot (never an interrupted run's)",
    )
    .action(
      migratorAction<PruneFlags>("snapshots prune", (flags) => commands.pruneSnapshots(flags)),
    );
  program
    .command("collections")
    .description("manage the physical collections blue-green changes leave")
    .command("prune")
    .description(
      "delete old <name>_v<N> versions no alias points at (only those migrations created), keeping the newest",
    )
    .option("--keep <n>", "unaliased versions to keep per alias (default 1)", wholeNumber)
    .action(
      migratorAction<PruneCollectionsFlags>("collections prune", (flags, _args, dryRun) =>
        commands.pruneCollections(flags, dryRun),
      ),
    );

  program
    .command("sandbox")
    .description(
      "start a local Postgres and Qdrant-compatible server; print the URLs; run until Ctrl-C",
    )
    .option("--data-dir <dir>", "keep both stores in this folder (default: temporary)")
    .option("--postgres-port <port>", "Postgres port (default: a free one)", positiveInt)
    .option("--qdrant-port <port>", "Qdrant port (default: a free one)", positiveInt)
    .action(async (...args: unknown[]) => {
      const opts = (args.at(-1) as Command).optsWithGlobals<GlobalOptions & SandboxFlags>();
      out = new Output(opts.json === true, io.stdout, io.stderr);
      // Loaded on use: the servers it starts are no part of the other commands.
      const { runSandboxCommand } = await import("../sandbox/sandbox-command.js");
      const streams = { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr };
      try {
        io.activity?.set("stopping the sandbox");
        exitCode = await runSandboxCommand(opts, {
          ...streams,
          signal: io.signal,
          json: opts.json,
        });
      } catch (error) {
        exitCode = reportError(out, error);
      }
    });

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    out.error(messageOf(error));
    return ExitCode.ERROR;
  }
  return exitCode;
}

/** Commands that support `--dry-run` (`create`, which changes no store, ignores it). */
const DRY_RUN_COMMANDS = new Set(["up", "down", "collections prune"]);

/** Loads the config, then runs the command; any failure becomes its exit code. */
async function execute(
  name: string,
  globals: GlobalOptions,
  out: Output,
  io: CliIO,
  run: (ctx: commands.CommandContext) => Promise<ExitCode>,
): Promise<number> {
  let config: ResolvedConfig;
  try {
    config = await loadConfig({ configPath: globals.config, cwd: io.cwd, env: io.env });
  } catch (error) {
    return reportError(out, error);
  }
  out.addSecrets(configSecrets(config));
  if (globals.dryRun && !DRY_RUN_COMMANDS.has(name)) {
    // Silently running a command that changes things "for real" would be worse than refusing.
    out.error(`--dry-run is supported by up, down and collections prune only, not by ${name}`);
    return ExitCode.USAGE;
  }
  try {
    return await run({
      config,
      out,
      waitSeconds: globals.wait,
      signal: io.signal,
      activity: io.activity,
    });
  } catch (error) {
    return reportError(out, error);
  }
}

/** Prints a failure (as JSON too under `--json`) and returns its exit code. */
function reportError(out: Output, error: unknown): number {
  const code: ErrorCode = error instanceof QdrantMigrateError ? error.code : "UNEXPECTED";
  const message = messageOf(error);
  if (out.json) out.result({ ok: false, error: { code, message } });
  out.error(message);
  return exitCodeFor(code);
}
