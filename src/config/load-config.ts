import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseEnv } from "node:util";
import { messageOf } from "../errors.js";
import { redactEnvironmentSecrets } from "../util/environment-secrets.js";
import { fileExists } from "../util/file-exists.js";
import { importDefaultFresh } from "../util/import-fresh.js";
import { redactJsonInput } from "../util/redact.js";
import { ConfigError } from "./errors.js";
import {
  type ProjectConfig,
  type ResolvedConfig,
  type ResolveOptions,
  resolveConfig,
  resolveProjectConfig,
} from "./resolve-config.js";

/** Config file names looked for in the working directory, in this order. */
const CONFIG_FILE_NAMES = [
  "umzug.config.ts",
  "umzug.config.mts",
  "umzug.config.js",
  "umzug.config.mjs",
];

/**
 * Loads and resolves the configuration: `configPath` (relative to `cwd`), else
 * the first of `CONFIG_FILE_NAMES` in `cwd`, else defaults from the
 * environment. Variables from a `.env` file beside the config file (or in
 * `cwd`) are added to `env` (default `process.env`) unless already set there,
 * as `process.loadEnvFile` does; they are added before the config file is
 * imported, so a config that reads `process.env` sees them.
 */
export async function loadConfig(opts: LoadOptions = {}): Promise<ResolvedConfig> {
  const { input, ...resolveOptions } = await readConfigInput(opts);
  return resolveConfig(input, resolveOptions);
}

/**
 * Loads the configuration as `loadConfig` does, for commands that only write
 * files (`create`): no Postgres URL is required.
 */
export async function loadProjectConfig(opts: LoadOptions = {}): Promise<ProjectConfig> {
  const { input, ...resolveOptions } = await readConfigInput(opts);
  return resolveProjectConfig(input, resolveOptions);
}

export interface LoadOptions {
  configPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** The config file's default export (undefined without a file), after `.env` was applied. */
async function readConfigInput(opts: LoadOptions): Promise<ResolveOptions & { input: unknown }> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const env = opts.env ?? process.env;
  const configFile = await findConfigFile(cwd, opts.configPath);
  const rootDir = configFile ? dirname(configFile) : cwd;
  await applyDotEnv(env, configFile ? [rootDir, cwd] : [cwd]);
  if (!configFile) return { input: undefined, rootDir, env };
  return { input: await importConfig(configFile, env), rootDir, configFile, env };
}

async function findConfigFile(
  cwd: string,
  configPath: string | undefined,
): Promise<string | undefined> {
  if (configPath !== undefined) {
    const path = resolve(cwd, configPath);
    if (!(await fileExists(path))) {
      throw new ConfigError(
        "CONFIG_NOT_FOUND",
        `Config file ${path} does not exist; check the --config path.`,
        undefined,
        path,
      );
    }
    return path;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const path = join(cwd, name);
    if (await fileExists(path)) return path;
  }
  return undefined;
}

async function applyDotEnv(env: NodeJS.ProcessEnv, dirs: string[]): Promise<void> {
  for (const dir of new Set(dirs)) {
    let text: string;
    try {
      text = await readFile(join(dir, ".env"), "utf8");
    } catch {
      continue;
    }
    for (const [key, value] of Object.entries(parseEnv(text))) {
      if (env[key] === undefined && value !== undefined) env[key] = value;
    }
    return;
  }
}

async function importConfig(file: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  let exported: { value: unknown } | undefined;
  try {
    exported = await importDefaultFresh(file);
  } catch (error) {
    const message = messageOf(error);
    // No `cause`: the original error's message and stack are unredacted.
    throw new ConfigError(
      "CONFIG_LOAD_FAILED",
      `Could not load config file ${file}: ${redactEnvironmentSecrets(redactJsonInput(message), env)}`,
      undefined,
      file,
    );
  }
  if (exported === undefined) {
    throw new ConfigError(
      "CONFIG_INVALID",
      `Invalid config file ${file}: (default export) is missing; end it with \`export default defineConfig({ ... })\`.`,
      "(default export)",
      file,
    );
  }
  return exported.value;
}
