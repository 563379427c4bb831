import { describe, expect, it } from "vitest";
import { redactSecrets, redactUrl } from "../src/util/redact.js";

describe("redactUrl", () => {
  it("replaces the password of a connection URL", () => {
    expect(redactUrl("postgres://app:s3cret@db:5432/app")).toBe("postgres://app:***@db:5432/app");
  });

  it("replaces credential query values and keeps the other parameters as written", () => {
    expect(
      redactUrl("http://qdrant:6333/?api-key=k1&apikey=k2&Key=k3&token=k4&api_key=k5&a=b+c"),
    ).toBe("http://qdrant:6333/?api-key=***&apikey=***&Key=***&token=***&api_key=***&a=b+c");
  });

  it("returns a URL without secrets exactly as given", () => {
    expect(redactUrl("http://localhost:6333")).toBe("http://localhost:6333");
    expect(redactUrl("postgres://app@db/app?sslmode=require")).toBe(
      "postgres://app@db/app?sslmode=require",
    );
  });

  it("masks a password containing an unencoded @ whole", () => {
    expect(redactUrl("postgres://app:p@ss@db/app")).toBe("postgres://app:***@db/app");
  });

  it("redacts a URL that does not parse instead of echoing it", () => {
    const redacted = redactUrl("postgres://app:pa ss@d b/app?token=t0p");
    expect(redacted).not.toContain("pa ss");
    expect(redacted).not.toContain("t0p");
    expect(redacted).toBe("postgres://app:***@d b/app?token=***");
  });
});

describe("redactSecrets", () => {
  it("masks a secret with a quote or a backslash also where JSON escaped it", () => {
    const secret = 'p\\ss"word-1234';
    const json = JSON.stringify({ error: `login failed for ${secret}` });
    expect(redactSecrets(json, [secret])).toBe(JSON.stringify({ error: "login failed for ***" }));
  });

  it("replaces every occurrence of each secret", () => {
    expect(redactSecrets("key k3y then k3y again, pw hunter2", ["k3y", "hunter2"])).toBe(
      "key *** then *** again, pw ***",
    );
  });

  it("replaces the URL-encoded form of a secret", () => {
    expect(redactSecrets("postgres://u:p%40ss%2Fw@h/db", ["p@ss/w"])).toBe("postgres://u:***@h/db");
  });

  it("masks a secret whole when another secret is part of it", () => {
    expect(redactSecrets("token ab1def2", ["ab1", "ab1def2"])).toBe("token ***");
  });

  it("masks a short secret where it stands alone, not inside a longer word", () => {
    expect(redactSecrets("xa1py 2 at postgres://u:a1p@db, pw a1p.", ["a1p"])).toBe(
      "xa1py 2 at postgres://u:***@db, pw ***.",
    );
  });

  it("masks a secret that reads as a word only where it stands as a credential", () => {
    const text =
      "postgres up: created; allowed: description, postgres, qdrant; " +
      "postgres://postgres:postgres@h/db password=postgres api-key: postgres";
    expect(redactSecrets(text, ["postgres"])).toBe(
      "postgres up: created; allowed: description, postgres, qdrant; " +
        "postgres://postgres:***@h/db password=*** api-key: ***",
    );
  });

  it("masks a secret that reads as a word when it is the whole text", () => {
    expect(redactSecrets("postgres", ["postgres"])).toBe("***");
  });

  it("masks a letters-only secret of 16 or more characters anywhere", () => {
    expect(redactSecrets("seen:Correcthorsebatterystaple.", ["Correcthorsebatterystaple"])).toBe(
      "seen:***.",
    );
  });

  it("masks a long secret anywhere, also inside other text", () => {
    expect(redactSecrets("xxs3cr3t-k3yxx", ["s3cr3t-k3y"])).toBe("xx***xx");
  });

  it("ignores undefined and empty secrets", () => {
    expect(redactSecrets("nothing to hide", [undefined, ""])).toBe("nothing to hide");
  });
});
