import { describe, expect, it } from "vitest";
import { advisoryLockKey } from "../src/lock/lock-key.js";

describe("advisoryLockKey", () => {
  it("is the first 8 bytes of the key's SHA-256, as a signed 64-bit integer", () => {
    // Pinned: every runner, on any machine or version, must compute the same lock.
    expect(advisoryLockKey("public.qdrant_migrations")).toBe(-1123986906201276051n);
    expect(advisoryLockKey("ops.app_migrations")).toBe(3784950996854507239n);
  });

  it("gives different keys for different schemas or prefixes", () => {
    expect(advisoryLockKey("a.qdrant_migrations")).not.toBe(advisoryLockKey("b.qdrant_migrations"));
  });
});
