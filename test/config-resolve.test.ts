import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/errors.js";
import {
  postgresConnectionUrl,
  type ResolvedConfig,
  resolveConfig,
  resolveProjectConfig,
} from "../src/config/resolve-config.js";
import { configSecrets } from "../src/config/secrets.js";

const PG = "postgres://app:pg-secret-pw@db.internal:5432/app?sslmode=require";
const ROOT = "/srv/app";
const FILE = "/srv/app/umzug.config.ts";

function resolveWith(
  input: unknown,
  env: NodeJS.ProcessEnv = { DATABASE_URL: PG },
): ResolvedConfig {
  return resolveConfig(input, { rootDir: ROOT, configFile: FILE, env });
}

function errorOf(input: unknown, env: NodeJS.ProcessEnv = { DATABASE_URL: PG }): ConfigError {
  try {
    resolveWith(input, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected resolveConfig to throw");
}

describe("resolveConfig: defaults", () => {
  it("fills every default when the config is empty", () => {
    expect(resolveWith({})).toEqual({
      rootDir: ROOT,
      configFile: FILE,
      migrations: {
        kind: "files",
        pattern: "migrations/*.{ts,js,mjs}",
        dir: "/srv/app/migrations",
      },
      postgres: {
        url: PG,
        directUrl: undefined,
        schema: "public",
        tablePrefix: "qdrant_",
        lockTimeoutMs: undefined,
      },
      qdrant: { url: "http://localhost:6333", apiKey: undefined, timeoutMs: 30_000, peers: {} },
      snapshots: { keep: 3 },
      lock: { timeoutMs: 60_000 },
      steps: { timeoutMs: undefined },
      rollback: { concurrentWrites: "refuse", restore: "side-copy" },
    });
  });

  it("treats a missing config (undefined) like an empty one", () => {
    const resolved = resolveConfig(undefined, { rootDir: ROOT, env: { DATABASE_URL: PG } });
    expect(resolved.configFile).toBeUndefined();
    expect(resolved.postgres.url).toBe(PG);
  });

  it("keeps every value the config sets", () => {
    const resolved = resolveWith({
      migrations: "db/changes/**/*.ts",
      postgres: {
        url: "postgresql://u@h/db",
        directUrl: "postgresql://u@direct/db",
        schema: "ops",
        tablePrefix: "vec_",
        lockTimeoutMs: 2500,
      },
      qdrant: {
        url: "https://q.example.com:6333/",
        apiKey: "k",
        timeoutMs: 5000,
        peers: { "8122216558877355": "http://q1:6333/", "http://q2:6335": "https://q2:6333" },
      },
      snapshots: { keep: 0 },
      lock: { timeoutMs: 0 },
    });
    expect(resolved.migrations).toEqual({
      kind: "files",
      pattern: "db/changes/**/*.ts",
      dir: "/srv/app/db/changes",
    });
    expect(resolved.postgres).toEqual({
      url: "postgresql://u@h/db",
      directUrl: "postgresql://u@direct/db",
      schema: "ops",
      tablePrefix: "vec_",
      lockTimeoutMs: 2500,
    });
    expect(resolved.qdrant).toEqual({
      url: "https://q.example.com:6333",
      apiKey: "k",
      timeoutMs: 5000,
      peers: { "8122216558877355": "http://q1:6333", "http://q2:6335": "https://q2:6333" },
    });
    expect(resolved.snapshots.keep).toBe(0);
    expect(resolved.lock.timeoutMs).toBe(0);
  });

  it("resolves the migrations folder against rootDir, or takes an absolute one as is", () => {
    expect(resolveWith({ migrations: "../shared/*.ts" }).migrations).toMatchObject({
      dir: "/srv/shared",
    });
    expect(resolveWith({ migrations: "/opt/m/*.mjs" }).migrations).toMatchObject({ dir: "/opt/m" });
    expect(resolveWith({ migrations: "*.ts" }).migrations).toMatchObject({ dir: ROOT });
  });

  it("passes Postgres URL query parameters such as sslmode through untouched", () => {
    const url = "postgres://u:p@h:5432/db?sslmode=verify-full&application_name=x";
    expect(resolveWith({ postgres: { url } }).postgres.url).toBe(url);
  });
});

describe("resolveConfig: environment fallbacks", () => {
  it("takes the Postgres URL from DATABASE_URL when the config has none", () => {
    expect(resolveWith({}, { DATABASE_URL: PG }).postgres.url).toBe(PG);
  });

  it("prefers the config's Postgres URL over DATABASE_URL", () => {
    const url = "postgres://other@h/db";
    expect(resolveWith({ postgres: { url } }, { DATABASE_URL: PG }).postgres.url).toBe(url);
  });

  it("takes the Qdrant URL and API key from QDRANT_URL and QDRANT_API_KEY", () => {
    const env = { DATABASE_URL: PG, QDRANT_URL: "http://qdrant:6333", QDRANT_API_KEY: "env-key" };
    expect(resolveWith({}, env).qdrant).toMatchObject({
      url: "http://qdrant:6333",
      apiKey: "env-key",
    });
  });

  it("keeps a path in a Qdrant or peer URL as a reverse proxy's prefix, without its last /", () => {
    const resolved = resolveWith(
      { qdrant: { url: "https://gw.example/qdrant/", peers: { "17": "http://gw/q1/" } } },
      { DATABASE_URL: PG },
    );
    expect(resolved.qdrant).toMatchObject({
      url: "https://gw.example/qdrant",
      peers: { "17": "http://gw/q1" },
    });
  });

  it("prefers the config's Qdrant URL and API key over the environment", () => {
    const env = { DATABASE_URL: PG, QDRANT_URL: "http://qdrant:6333", QDRANT_API_KEY: "env-key" };
    const resolved = resolveWith({ qdrant: { url: "http://mine:6334", apiKey: "mine" } }, env);
    expect(resolved.qdrant).toMatchObject({ url: "http://mine:6334", apiKey: "mine" });
  });

  it("treats empty environment variables as unset", () => {
    const env = { DATABASE_URL: PG, QDRANT_URL: "", QDRANT_API_KEY: "" };
    expect(resolveWith({}, env).qdrant).toMatchObject({
      url: "http://localhost:6333",
      apiKey: undefined,
    });
  });

  it("reads process.env when no env is given", () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = PG;
    try {
      expect(resolveConfig({}, { rootDir: ROOT }).postgres.url).toBe(PG);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });
});

describe("resolveConfig: validation errors name the field and the file", () => {
  const cases: [string, unknown, string][] = [
    ["an unknown top-level key", { migration: "x/*.ts" }, "migration"],
    ["a key inherited from Object.prototype", { constructor: {} }, "constructor"],
    ["an unknown nested key", { qdrant: { apikey: "k" } }, "qdrant.apikey"],
    ["a section that is not an object", { postgres: "postgres://h/db" }, "postgres"],
    ["a non-string migrations glob", { migrations: 3 }, "migrations"],
    ["a migrations glob without a file wildcard", { migrations: "migrations" }, "migrations"],
    ["a wildcard in a folder segment", { migrations: "m*/x/*.ts" }, "migrations"],
    ["an unclosed brace", { migrations: "m/*.{ts,js" }, "migrations"],
    ["a non-Postgres URL scheme", { postgres: { url: "mysql://h/db" } }, "postgres.url"],
    ["an unparseable Postgres URL", { postgres: { url: "not a url" } }, "postgres.url"],
    ["an empty Postgres URL", { postgres: { url: "" } }, "postgres.url"],
    ["a schema that is not an identifier", { postgres: { schema: 'a"; drop' } }, "postgres.schema"],
    ["a schema starting with a digit", { postgres: { schema: "1abc" } }, "postgres.schema"],
    [
      "a table prefix too long for Postgres",
      { postgres: { tablePrefix: "p".repeat(49) } },
      "postgres.tablePrefix",
    ],
    ["a table prefix with a dash", { postgres: { tablePrefix: "my-" } }, "postgres.tablePrefix"],
    ["a non-HTTP Qdrant URL", { qdrant: { url: "grpc://q:6334" } }, "qdrant.url"],
    [
      "a Qdrant URL with a query string",
      { qdrant: { url: "http://q:6333?api-key=x" } },
      "qdrant.url",
    ],
    ["a Qdrant URL with credentials", { qdrant: { url: "http://u:p@q:6333" } }, "qdrant.url"],
    ["a non-string API key", { qdrant: { apiKey: 42 } }, "qdrant.apiKey"],
    ["a fractional Qdrant timeout", { qdrant: { timeoutMs: 1.5 } }, "qdrant.timeoutMs"],
    ["a zero Qdrant timeout", { qdrant: { timeoutMs: 0 } }, "qdrant.timeoutMs"],
    ["peers that are not an object", { qdrant: { peers: ["http://q1:6333"] } }, "qdrant.peers"],
    [
      "a peer key that is neither an id nor a p2p URI",
      { qdrant: { peers: { "qdrant-1": "http://q1:6333" } } },
      'qdrant.peers["qdrant-1"]',
    ],
    [
      "a peer URL that is not a string",
      { qdrant: { peers: { "17": 6333 } } },
      'qdrant.peers["17"]',
    ],
    ["a string snapshot count", { snapshots: { keep: "3" } }, "snapshots.keep"],
    ["a negative snapshot count", { snapshots: { keep: -1 } }, "snapshots.keep"],
    [
      "a lock timeout beyond setTimeout's range",
      { lock: { timeoutMs: 2 ** 31 } },
      "lock.timeoutMs",
    ],
    [
      "a concurrent-writes policy that is not one",
      { rollback: { concurrentWrites: "overwrite" } },
      "rollback.concurrentWrites",
    ],
    [
      "a rollback restore mode that is not one",
      { rollback: { restore: "fast" } },
      "rollback.restore",
    ],
  ];

  for (const [what, input, field] of cases) {
    it(`rejects ${what} (${field})`, () => {
      const error = errorOf(input);
      expect(error.code).toBe("CONFIG_INVALID");
      expect(error.field).toBe(field);
      expect(error.file).toBe(FILE);
      expect(error.message).toContain(field);
      expect(error.message).toContain(FILE);
    });
  }

  it("rejects a default export that is not an object", () => {
    const error = errorOf(() => ({}));
    expect(error.field).toBe("(default export)");
    expect(error.message).toContain("defineConfig");
  });

  it("names postgres.url and DATABASE_URL when no Postgres URL is set anywhere", () => {
    const error = errorOf({}, {});
    expect(error.field).toBe("postgres.url");
    expect(error.message).toContain("DATABASE_URL");
  });

  it("names DATABASE_URL when the bad Postgres URL came from it", () => {
    const error = errorOf({}, { DATABASE_URL: "mysql://root:pw@h/db" });
    expect(error.field).toBe("postgres.url");
    expect(error.message).toContain("postgres.url (from the DATABASE_URL environment variable)");
  });

  it("names QDRANT_URL when the bad Qdrant URL came from it", () => {
    const error = errorOf({}, { DATABASE_URL: PG, QDRANT_URL: "localhost:6333" });
    expect(error.field).toBe("qdrant.url");
    expect(error.message).toContain("qdrant.url (from the QDRANT_URL environment variable)");
  });

  it("refuses a Qdrant port Node's fetch will not connect to (QDRANT_URL=http://127.0.0.1:1)", () => {
    const error = errorOf({}, { DATABASE_URL: PG, QDRANT_URL: "http://127.0.0.1:1" });
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.field).toBe("qdrant.url");
    expect(error.message).toContain("qdrant.url (from the QDRANT_URL environment variable)");
    expect(error.message).toContain("port 1, which Node's fetch refuses");
  });

  it("refuses a blocked port in qdrant.peers too, naming the peer", () => {
    const error = errorOf({ qdrant: { peers: { "1": "http://10.0.0.5:6000" } } });
    expect(error.field).toBe('qdrant.peers["1"]');
    expect(error.message).toContain("port 6000");
  });

  it("says where the settings came from when there is no config file", () => {
    let message = "";
    try {
      resolveConfig({}, { rootDir: ROOT, env: {} });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration: postgres\.url/);
  });
});

describe("resolveConfig: secrets never appear in errors", () => {
  it("does not echo a bad Postgres URL's password", () => {
    const error = errorOf({ postgres: { url: "mysql://root:hunter2-pw@h/db" } });
    expect(error.message).not.toContain("hunter2-pw");
  });

  it("does not echo an unparseable Postgres URL's password", () => {
    const error = errorOf({ postgres: { url: "postgres://root:p#ss w0rd@h:port/db" } });
    expect(error.message).not.toContain("p#ss w0rd");
  });

  it("does not echo an API key carried in a Qdrant URL", () => {
    const error = errorOf({ qdrant: { url: "http://q:6333/?api-key=qk-secret-1" } });
    expect(error.message).not.toContain("qk-secret-1");
  });

  it("does not echo a password carried in a Qdrant URL", () => {
    const error = errorOf({ qdrant: { url: "https://admin:qk-secret-3@q:6333" } });
    expect(error.message).not.toContain("qk-secret-3");
  });

  it("does not echo an API key given the wrong type", () => {
    const error = errorOf({ qdrant: { apiKey: ["qk-secret-2"] } });
    expect(error.message).not.toContain("qk-secret-2");
  });

  it("does not echo the password from DATABASE_URL when a later field fails", () => {
    const error = errorOf({ lock: { timeoutMs: -5 } });
    expect(error.message).not.toContain("pg-secret-pw");
  });
});

describe("resolveProjectConfig: for create, which writes a file only (issue 14)", () => {
  it("needs no Postgres URL", () => {
    const config = resolveProjectConfig({}, { rootDir: ROOT, env: {} });
    expect(config.migrations).toMatchObject({ dir: "/srv/app/migrations" });
  });

  it("still rejects a bad field, naming it", () => {
    expect(() =>
      resolveProjectConfig({ qdrant: { timeoutMs: -1 } }, { rootDir: ROOT, env: {} }),
    ).toThrow(/qdrant\.timeoutMs/);
  });
});

describe("resolveConfig: qdrant.managedAliases (issue 14)", () => {
  it("keeps the alias names and patterns given, and leaves the default to the journal", () => {
    expect(
      resolveWith({ qdrant: { managedAliases: ["docs", "docs_*"] } }).qdrant.managedAliases,
    ).toEqual(["docs", "docs_*"]);
    expect(resolveWith({}).qdrant.managedAliases).toBeUndefined();
  });

  it("names the bad entry of qdrant.managedAliases", () => {
    expect(errorOf({ qdrant: { managedAliases: ["docs", 7] } }).message).toContain(
      "qdrant.managedAliases[1] must be a string",
    );
  });
});

describe("resolveConfig: postgres.directUrl and postgres.lockTimeoutMs (issue 22)", () => {
  const DIRECT = "postgres://app:direct-pw@db-direct.internal:5432/app";

  it("connects through postgres.directUrl when set, keeping postgres.url as the application's", () => {
    const resolved = resolveWith({ postgres: { directUrl: DIRECT } });
    expect(resolved.postgres).toMatchObject({ url: PG, directUrl: DIRECT });
    expect(postgresConnectionUrl(resolved.postgres)).toBe(DIRECT);
  });

  it("takes the direct URL from DIRECT_DATABASE_URL when the config has none", () => {
    const resolved = resolveWith({}, { DATABASE_URL: PG, DIRECT_DATABASE_URL: DIRECT });
    expect(postgresConnectionUrl(resolved.postgres)).toBe(DIRECT);
  });

  it("connects through postgres.url when no direct URL is set", () => {
    expect(postgresConnectionUrl(resolveWith({}).postgres)).toBe(PG);
  });

  it("needs no postgres.url when a direct URL is set", () => {
    const resolved = resolveWith({}, { DIRECT_DATABASE_URL: DIRECT });
    expect(postgresConnectionUrl(resolved.postgres)).toBe(DIRECT);
  });

  it("names DIRECT_DATABASE_URL, not the password, when the bad direct URL came from it", () => {
    const error = errorOf({}, { DATABASE_URL: PG, DIRECT_DATABASE_URL: "mysql://root:pw@h/db" });
    expect(error.field).toBe("postgres.directUrl");
    expect(error.message).toContain(
      "postgres.directUrl (from the DIRECT_DATABASE_URL environment variable)",
    );
    expect(error.message).not.toContain("pw");
  });

  it("keeps the direct URL's password among the secrets never printed", () => {
    expect(configSecrets(resolveWith({ postgres: { directUrl: DIRECT } }))).toContain("direct-pw");
  });

  it("names postgres.lockTimeoutMs when it is not a positive integer", () => {
    expect(errorOf({ postgres: { lockTimeoutMs: 0 } }).field).toBe("postgres.lockTimeoutMs");
    expect(errorOf({ postgres: { lockTimeoutMs: "5s" } }).field).toBe("postgres.lockTimeoutMs");
  });
});
