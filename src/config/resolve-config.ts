import { resolve } from "node:path";
import { isFetchBlockedPort } from "../util/fetch-blocked-ports.js";
import { parseMigrationsGlob } from "../util/migrations-glob.js";
import { isPlainObject } from "../util/objects.js";
import {
  type MigrationsProvider,
  ROLLBACK_RESTORE_MODES,
  type RollbackRestore,
} from "./define-config.js";
import { ConfigError } from "./errors.js";
import { CONCURRENT_WRITES_POLICIES, type ConcurrentWritesPolicy } from "./rollback-options.js";

/**
 * Where the migrations come from: files (`pattern` is the glob as
 * configured; `dir` is its literal folder part, absolute), or the config's
 * provider (an array or function of `{ name, migration }`).
 */
export type MigrationsSource =
  | { kind: "files"; pattern: string; dir: string }
  | { kind: "provider"; provider: MigrationsProvider };

/** What commands that only write files need (`create`): no store is contacted. */
export interface ProjectConfig {
  /** Folder relative paths are resolved against: the config file's, else the working directory. */
  rootDir: string;
  /** Absolute path of the config file, when one was loaded. */
  configFile: string | undefined;
  migrations: MigrationsSource;
  /**
   * Absolute path of the declared schema file the config names (`schema`);
   * undefined: `qdrant.schema.ts` (or `.mts`, `.js`, `.mjs`) in `rootDir`, if any.
   */
  schemaFile: string | undefined;
}

/** The configuration with every default filled in and every field checked. */
export interface ResolvedConfig extends ProjectConfig {
  postgres: {
    /** The application's URL (`postgres.url`, `DATABASE_URL`), perhaps a pooler's. */
    url: string;
    /**
     * A direct (or session-pooled) URL for migrations, the lock and the journal
     * (`postgres.directUrl`, `DIRECT_DATABASE_URL`), as Prisma's `directUrl`;
     * undefined: they use `url`. See `postgresConnectionUrl`.
     */
    directUrl: string | undefined;
    schema: string;
    tablePrefix: string;
    /**
     * `lock_timeout` of each migration's own transaction: a statement waiting
     * longer for a lock another session holds fails; undefined: the server's.
     */
    lockTimeoutMs: number | undefined;
  };
  qdrant: {
    url: string;
    apiKey: string | undefined;
    timeoutMs: number;
    /** Peer id or p2p URI → REST URL (without trailing slash); empty on a single node. */
    peers: Readonly<Record<string, string>>;
    /**
     * Aliases (names or glob patterns) `check` compares; undefined: those the
     * journal says a migration created or changed.
     */
    managedAliases: readonly string[] | undefined;
  };
  snapshots: { keep: number };
  lock: { timeoutMs: number };
  /** Time limit of each migration step (a migration's own `timeoutMs` wins); none when undefined. */
  steps: { timeoutMs: number | undefined };
  rollback: { concurrentWrites: ConcurrentWritesPolicy; restore: RollbackRestore };
}

const DEFAULT_MIGRATIONS = "migrations/*.{ts,js,mjs}";
const DEFAULT_QDRANT_URL = "http://localhost:6333";
/** libpq's sslmode values, and node-postgres's own `no-verify`. */
const SSL_MODES = [
  "disable",
  "allow",
  "prefer",
  "require",
  "verify-ca",
  "verify-full",
  "no-verify",
];

const SECTIONS: Record<string, readonly string[] | undefined> = {
  migrations: undefined,
  schema: undefined,
  postgres: ["url", "directUrl", "schema", "tablePrefix", "lockTimeoutMs"],
  qdrant: ["url", "apiKey", "timeoutMs", "peers", "managedAliases"],
  snapshots: ["keep"],
  lock: ["timeoutMs"],
  steps: ["timeoutMs"],
  rollback: ["concurrentWrites", "restore"],
};

// Postgres truncates identifiers at 63 bytes; the longest table name is `<prefix>schema_versions`.
const MAX_IDENTIFIER = 63;
const LONGEST_TABLE_SUFFIX = "schema_versions".length;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
// setTimeout's limit; larger values fire at once.
const MAX_TIMEOUT_MS = 2_147_483_647;

export interface ResolveOptions {
  rootDir: string;
  configFile?: string;
  env?: NodeJS.ProcessEnv;
}

/** A resolved config before the check that a Postgres URL is set. */
type Settings = Omit<ResolvedConfig, "postgres"> & {
  postgres: Omit<ResolvedConfig["postgres"], "url"> & { url: string | undefined };
};

/**
 * Checks `input` (a config file's default export, or `undefined` when there is
 * no config file) and fills in defaults from `opts.env` (default
 * `process.env`). Throws `ConfigError` naming the first bad field.
 */
export function resolveConfig(input: unknown, opts: ResolveOptions): ResolvedConfig {
  const settings = resolveSettings(input, opts);
  // With only a direct URL, that is the one there is.
  const url = settings.postgres.url ?? settings.postgres.directUrl;
  if (url === undefined) {
    return failer(opts)(
      "postgres.url",
      "is not set: set postgres.url in the config file or the DATABASE_URL environment variable",
    );
  }
  return { ...settings, postgres: { ...settings.postgres, url } };
}

/** The URL every connection of this tool uses: the direct one when set, else `url`. */
export function postgresConnectionUrl(postgres: ResolvedConfig["postgres"]): string {
  return postgres.directUrl ?? postgres.url;
}

/**
 * The part of the configuration `create` needs. The whole input is checked as
 * by `resolveConfig` (a typo is reported whatever the command), but no
 * Postgres URL is required: writing a file needs no database.
 */
export function resolveProjectConfig(input: unknown, opts: ResolveOptions): ProjectConfig {
  const { rootDir, configFile, migrations, schemaFile } = resolveSettings(input, opts);
  return { rootDir, configFile, migrations, schemaFile };
}

/** The `Fail` of one resolution: a ConfigError naming the field, and the file if any. */
function failer(opts: ResolveOptions): Fail {
  const where = opts.configFile ? `config file ${opts.configFile}` : "configuration";
  return (field, problem, envVar) => {
    const from = envVar ? ` (from the ${envVar} environment variable)` : "";
    throw new ConfigError(
      "CONFIG_INVALID",
      `Invalid ${where}: ${field}${from} ${problem}.`,
      field,
      opts.configFile,
    );
  };
}

function resolveSettings(input: unknown, opts: ResolveOptions): Settings {
  const env = opts.env ?? process.env;
  const rootDir = resolve(opts.rootDir);
  const fail = failer(opts);

  const root = input === undefined ? {} : input;
  if (!isPlainObject(root)) {
    return fail("(default export)", "must be an object, such as defineConfig({ ... })");
  }
  for (const key of Object.keys(root)) {
    if (!Object.hasOwn(SECTIONS, key)) {
      return fail(key, `is not a known setting (known: ${Object.keys(SECTIONS).join(", ")})`);
    }
    const allowed = SECTIONS[key];
    const section = root[key];
    if (allowed === undefined || section === undefined) continue;
    if (!isPlainObject(section)) return fail(key, "must be an object");
    for (const inner of Object.keys(section)) {
      if (!allowed.includes(inner)) {
        return fail(`${key}.${inner}`, `is not a known setting (known: ${allowed.join(", ")})`);
      }
    }
  }
  const section = (name: string): Record<string, unknown> => {
    const value = root[name];
    return isPlainObject(value) ? value : {};
  };
  const postgres = section("postgres");
  const qdrant = section("qdrant");

  const migrations = migrationsSource(root.migrations, rootDir, fail);
  const schema = optionalString(root.schema, "schema", fail);

  const pgUrl = postgresUrl(postgres.url, env.DATABASE_URL, "postgres.url", "DATABASE_URL", fail);
  const directUrl = postgresUrl(
    postgres.directUrl,
    env.DIRECT_DATABASE_URL,
    "postgres.directUrl",
    "DIRECT_DATABASE_URL",
    fail,
  );

  const configQdrantUrl = optionalString(qdrant.url, "qdrant.url", fail);
  const qdrantUrl = configQdrantUrl ?? nonEmpty(env.QDRANT_URL) ?? DEFAULT_QDRANT_URL;
  checkUrl(qdrantUrl, "qdrant.url", ["http:", "https:"], (field, problem) =>
    fail(
      field,
      problem,
      configQdrantUrl === undefined && env.QDRANT_URL ? "QDRANT_URL" : undefined,
    ),
  );

  const apiKey = qdrant.apiKey;
  if (apiKey !== undefined && typeof apiKey !== "string") {
    return fail("qdrant.apiKey", "must be a string");
  }

  return {
    rootDir,
    configFile: opts.configFile,
    migrations,
    schemaFile: schema === undefined ? undefined : resolve(rootDir, schema),
    postgres: {
      url: pgUrl,
      directUrl,
      schema: identifier(postgres.schema, "postgres.schema", "public", MAX_IDENTIFIER, fail),
      tablePrefix: identifier(
        postgres.tablePrefix,
        "postgres.tablePrefix",
        "qdrant_",
        MAX_IDENTIFIER - LONGEST_TABLE_SUFFIX,
        fail,
      ),
      lockTimeoutMs:
        postgres.lockTimeoutMs === undefined
          ? undefined
          : integer(postgres.lockTimeoutMs, "postgres.lockTimeoutMs", 0, 1, fail),
    },
    qdrant: {
      // A path is the prefix of a reverse proxy (http://host/qdrant/): kept, without its last /.
      url: qdrantUrl.replace(/\/+$/, ""),
      // An empty key (`QDRANT_API_KEY=` in a .env template) means "no key".
      apiKey: nonEmpty(apiKey) ?? nonEmpty(env.QDRANT_API_KEY),
      timeoutMs: integer(qdrant.timeoutMs, "qdrant.timeoutMs", 30_000, 1, fail),
      peers: peerUrls(qdrant.peers, fail),
      managedAliases: aliasPatterns(qdrant.managedAliases, fail),
    },
    snapshots: { keep: integer(section("snapshots").keep, "snapshots.keep", 3, 0, fail) },
    lock: { timeoutMs: integer(section("lock").timeoutMs, "lock.timeoutMs", 60_000, 0, fail) },
    steps: {
      timeoutMs:
        section("steps").timeoutMs === undefined
          ? undefined
          : integer(section("steps").timeoutMs, "steps.timeoutMs", 0, 1, fail),
    },
    rollback: {
      concurrentWrites: policy(
        section("rollback").concurrentWrites,
        "rollback.concurrentWrites",
        fail,
      ),
      restore: restoreMode(section("rollback").restore, fail),
    },
  };
}

/**
 * `migrations`: a glob of files (default `DEFAULT_MIGRATIONS`), or a provider:
 * an array or a function, whose entries are checked when it is called.
 */
function migrationsSource(value: unknown, rootDir: string, fail: Fail): MigrationsSource {
  if (Array.isArray(value) || typeof value === "function") {
    return { kind: "provider", provider: value as MigrationsProvider };
  }
  if (value !== undefined && typeof value !== "string") {
    return fail(
      "migrations",
      `must be a glob of files, an array of { name, migration } or a function returning one, not ${typeName(value)}`,
    );
  }
  const pattern = optionalString(value, "migrations", fail) ?? DEFAULT_MIGRATIONS;
  const glob = parseMigrationsGlob(pattern);
  if (typeof glob === "string") return fail("migrations", glob);
  return { kind: "files", pattern, dir: resolve(rootDir, glob.base) };
}

function policy(value: unknown, field: string, fail: Fail): ConcurrentWritesPolicy {
  if (value === undefined) return "refuse";
  const found = CONCURRENT_WRITES_POLICIES.find((p) => p === value);
  if (found) return found;
  return fail(
    field,
    `must be one of ${CONCURRENT_WRITES_POLICIES.map((p) => `"${p}"`).join(", ")}, not ${typeof value === "string" ? JSON.stringify(value) : typeName(value)}`,
  );
}

function restoreMode(value: unknown, fail: Fail): RollbackRestore {
  if (value === undefined) return "side-copy";
  const found = ROLLBACK_RESTORE_MODES.find((m) => m === value);
  if (found) return found;
  return fail(
    "rollback.restore",
    `must be one of ${ROLLBACK_RESTORE_MODES.map((m) => `"${m}"`).join(", ")}, not ${typeof value === "string" ? JSON.stringify(value) : typeName(value)}`,
  );
}

/** A Postgres URL from the config or its environment variable, checked; undefined when neither sets one. */
function postgresUrl(
  value: unknown,
  fromEnv: string | undefined,
  field: string,
  envName: string,
  fail: Fail,
): string | undefined {
  const configPgUrl = optionalString(value, field, fail);
  const pgUrl = configPgUrl ?? nonEmpty(fromEnv);
  if (pgUrl === undefined) return undefined;
  const envVar = configPgUrl === undefined ? envName : undefined;
  checkUrl(pgUrl, field, ["postgres:", "postgresql:"], (f, problem) => fail(f, problem, envVar));
  // The driver treats an sslmode it does not know as "use TLS somehow": a typo
  // would silently change how the connection is secured.
  const sslmode = new URL(pgUrl).searchParams.get("sslmode");
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    fail(field, `has sslmode=${sslmode}, which is not one of ${SSL_MODES.join(", ")}`, envVar);
  }
  return pgUrl;
}

/**
 * `qdrant.peers`: keys are peer ids (digits) or p2p URIs (`http(s)://host:port`),
 * values REST URLs checked like `qdrant.url`. The field named in an error is
 * `qdrant.peers["<key>"]`.
 */
function peerUrls(value: unknown, fail: Fail): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    return fail("qdrant.peers", `must be an object of peer id → REST URL, not ${typeName(value)}`);
  }
  const peers: Record<string, string> = {};
  for (const [key, url] of Object.entries(value)) {
    const field = `qdrant.peers[${JSON.stringify(key)}]`;
    if (!/^\d+$/.test(key) && !/^https?:\/\/[^/\s]+\/?$/.test(key)) {
      fail(field, "has a key that is neither a peer id (digits) nor a p2p URI (http://host:port)");
    }
    if (typeof url !== "string" || url.trim() === "") {
      return fail(field, `must be a REST URL string, not ${typeName(url)}`);
    }
    checkUrl(url, field, ["http:", "https:"], fail);
    peers[key] = url.replace(/\/+$/, "");
  }
  return peers;
}

/** `qdrant.managedAliases`: alias names or glob patterns; the field named is the bad entry. */
function aliasPatterns(value: unknown, fail: Fail): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    return fail(
      "qdrant.managedAliases",
      `must be an array of alias names or glob patterns, not ${typeName(value)}`,
    );
  }
  return value.map((entry: unknown, i) => {
    const field = `qdrant.managedAliases[${i}]`;
    if (typeof entry !== "string") return fail(field, `must be a string, not ${typeName(entry)}`);
    if (entry.trim() === "") return fail(field, "must not be empty");
    return entry;
  });
}

/** Throws the ConfigError for `field`; `envVar` names the variable the bad value came from. */
type Fail = (field: string, problem: string, envVar?: string) => never;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function optionalString(value: unknown, field: string, fail: Fail): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") return fail(field, `must be a string, not ${typeName(value)}`);
  if (value.trim() === "") return fail(field, "must not be empty");
  return value;
}

/** Checks syntax and scheme. The URL itself is never echoed: it may hold a password. */
function checkUrl(value: string, field: string, protocols: string[], fail: Fail): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(
      field,
      `is not a valid URL (expected ${protocols.map((p) => `${p}//…`).join(" or ")})`,
    );
  }
  if (!protocols.includes(url.protocol)) {
    fail(
      field,
      `must use ${protocols.map((p) => `${p}//`).join(" or ")}, not the scheme "${url.protocol}"`,
    );
  }
  if (protocols.includes("http:")) {
    // The JS client silently drops all of these; a key must go in qdrant.apiKey.
    if (url.username !== "" || url.password !== "") {
      fail(field, "must not contain user:password@ (Qdrant takes an API key: set qdrant.apiKey)");
    }
    if (url.search !== "" || url.hash !== "") {
      fail(field, "must not have a query string or #fragment (put the API key in qdrant.apiKey)");
    }
    if (url.port !== "" && isFetchBlockedPort(Number(url.port))) {
      fail(
        field,
        `has port ${url.port}, which Node's fetch refuses to connect to (a blocked port of ` +
          "the Fetch standard): use the port Qdrant listens on (6333 by default)",
      );
    }
  }
  return url;
}

function identifier(
  value: unknown,
  field: string,
  fallback: string,
  maxLength: number,
  fail: Fail,
): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string") return fail(field, `must be a string, not ${typeName(value)}`);
  if (!IDENTIFIER.test(value)) {
    return fail(
      field,
      `must be a plain SQL identifier (a letter or _, then letters, digits or _), not "${value}"`,
    );
  }
  if (value.length > maxLength) return fail(field, `must be at most ${maxLength} characters`);
  return value;
}

function integer(value: unknown, field: string, fallback: number, min: number, fail: Fail): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return fail(field, `must be an integer, not ${typeName(value)}`);
  }
  if (value < min || value > MAX_TIMEOUT_MS) {
    return fail(field, `must be between ${min} and ${MAX_TIMEOUT_MS}, not ${value}`);
  }
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  return `a ${typeof value}`;
}
