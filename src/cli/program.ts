import { readFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { loadConfig } from "../config/load-config.js";
import type { ResolvedConfig } from "../config/resolve-config.js";
import { configSecrets } from "../config/secrets.js";
import { messageOf, QdrantMigrateError } from "../errors.js";
import { type CommandName, runCommand } from "./commands.js";
import { ExitCode, exitCodeFor } from "./exit-codes.js";
import { Output } from "./output.js";

export interface GlobalOptions {
  config?: string;
  json?: boolean;
  wait?: number;
  dryRun?: boolean;
}

export interface CliIO {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a whole number ≥ 0");
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
      positiveInt,
    )
    .option("--dry-run", "print the plan without changing anything")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => (io.stdout ?? process.stdout).write(s),
      writeErr: (s) => (io.stderr ?? process.stderr).write(s),
    });

  const action =
    (name: CommandName) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const globals = command.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
      out = new Output(globals.json === true, io.stdout, io.stderr);
      exitCode = await execute(name, command.args, globals, out, io);
    };

  program
    .command("up")
    .description("apply pending migrations (all, or --to / --step)")
    .option("--to <name>", "apply up to and including this migration")
    .option("--step <n>", "apply at most n migrations", positiveInt)
    .option("--no-auto-recover", "stop instead of restoring an interrupted migration")
    .option("--allow-changed", "run even though an applied migration's file changed")
    .option("--allow-missing", "run even though an applied migration's file is gone")
    .option("--allow-out-of-order", "apply pending migrations that sort before applied ones")
    .action(action("up"));
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
    .action(action("down"));
  program
    .command("status")
    .description("list migrations and collection schema versions")
    .action(action("status"));
  program
    .command("current")
    .description("print the last applied migration")
    .action(action("current"));
  program.command("history").description("print the migration journal").action(action("history"));
  program
    .command("check")
    .description("exit non-zero on pending, changed or missing files, failed state or drift")
    .action(action("check"));
  program
    .command("create")
    .argument("<name>", "short name, e.g. add_title_vector")
    .description("write a new migration file")
    .action(action("create"));
  program
    .command("repair")
    .description("restore interrupted migrations from the journal; clear failed ones")
    .action(action("repair"));
  program
    .command("baseline")
    .argument("<name>", "last migration already reflected in the databases")
    .description(
      "adopt an existing deployment: mark migrations up to <name> applied without running them",
    )
    .action(action("baseline"));
  const snapshots = program
    .command("snapshots")
    .description("manage the snapshots migrations take");
  snapshots
    .command("list")
    .description("list snapshots of every collection")
    .action(action("snapshots-list"));
  snapshots
    .command("prune")
    .description("delete all but the newest snapshots of each collection")
    .option(
      "--keep <n>",
      "how many to keep per collection (default: config snapshots.keep)",
      positiveInt,
    )
    .action(action("snapshots-prune"));

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

async function execute(
  name: CommandName,
  args: string[],
  options: GlobalOptions & Record<string, unknown>,
  out: Output,
  io: CliIO,
): Promise<number> {
  let config: ResolvedConfig;
  try {
    config = await loadConfig({ configPath: options.config, cwd: io.cwd, env: io.env });
  } catch (error) {
    return reportError(out, error);
  }
  out.addSecrets(configSecrets(config));
  try {
    return await runCommand(name, args, options, { config, out, signal: io.signal });
  } catch (error) {
    return reportError(out, error);
  }
}

export function reportError(out: Output, error: unknown): number {
  const code = error instanceof QdrantMigrateError ? error.code : "UNEXPECTED";
  const message = messageOf(error);
  if (out.json) out.result({ ok: false, error: { code, message } });
  out.error(message);
  return exitCodeFor(code);
}
