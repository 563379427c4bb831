import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/errors.js";
import { resolveConfig } from "../src/config/resolve-config.js";

const opts = { rootDir: "/srv/app", configFile: "/srv/app/umzug.config.ts" };

function resolveUrl(url: string, fromEnv = false) {
  const input = fromEnv ? {} : { postgres: { url } };
  return resolveConfig(input, { ...opts, env: fromEnv ? { DATABASE_URL: url } : {} });
}

describe("config: postgres.url sslmode", () => {
  it("accepts every sslmode libpq and node-postgres know", () => {
    for (const mode of [
      "disable",
      "allow",
      "prefer",
      "require",
      "verify-ca",
      "verify-full",
      "no-verify",
    ]) {
      expect(resolveUrl(`postgres://app:pw@db:5432/app?sslmode=${mode}`).postgres.url).toContain(
        mode,
      );
    }
  });

  it("refuses an unknown sslmode, naming it and the allowed ones, without the password", () => {
    let error: unknown;
    try {
      resolveUrl("postgres://app:s3cret-pw@db:5432/app?sslmode=bogus");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { code, field, message } = error as ConfigError;
    expect(code).toBe("CONFIG_INVALID");
    expect(field).toBe("postgres.url");
    expect(message).toContain("sslmode=bogus");
    expect(message).toContain("verify-full");
    expect(message).not.toContain("s3cret-pw");
  });

  it("says the bad sslmode came from DATABASE_URL when it did", () => {
    expect(() => resolveUrl("postgres://app:pw@db:5432/app?sslmode=requir", true)).toThrow(
      "postgres.url (from the DATABASE_URL environment variable) has sslmode=requir",
    );
  });
});
