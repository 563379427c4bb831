import { describe, expect, it } from "vitest";
import { consistencyOf, verdictOf } from "../../src/engine/verdict.js";
import { entry } from "./entries.js";

describe("the consistency verdict of status and check", () => {
  it("is consistent when every migration is applied and nothing drifted", () => {
    const result = consistencyOf([entry("001_a", "applied")]);
    expect(verdictOf(result)).toBe("consistent");
    expect(result.ok).toBe(true);
  });

  it("is pending when migrations only wait to be applied", () => {
    const result = consistencyOf([entry("001_a", "applied"), entry("002_b", "pending")]);
    expect(verdictOf(result)).toBe("pending");
    expect(result.pending).toEqual(["002_b"]);
    expect(result.ok).toBe(false);
  });

  it.each([
    ["a changed file", entry("001_a", "applied", { changed: true }), "changed"],
    ["a missing file", entry("001_a", "missing"), "missing"],
    ["a failed migration", entry("001_a", "failed"), "failed"],
    ["an interrupted migration", entry("001_a", "in_progress"), "interrupted"],
    ["an out-of-order migration", entry("001_a", "pending", { outOfOrder: true }), "outOfOrder"],
  ] as const)("is inconsistent with %s, listed under %s", (_what, wrong, list) => {
    const result = consistencyOf([wrong, entry("002_b", "pending")]);
    expect(verdictOf(result)).toBe("inconsistent");
    expect(result[list]).toEqual(["001_a"]);
  });

  it("is pending, not inconsistent, with an interrupted run the next up resumes", () => {
    const result = consistencyOf([
      entry("001_a", "applied"),
      entry("002_b", "in_progress", { resumes: true }),
    ]);
    expect(verdictOf(result)).toBe("pending");
    expect(result.resumes).toEqual(["002_b"]);
    expect(result.interrupted).toEqual([]);
  });

  it("is inconsistent when a collection drifted, even with nothing pending", () => {
    const drift = [{ collection: "docs", differences: ["vectors differ"] }];
    const result = consistencyOf([entry("001_a", "applied")], drift);
    expect(verdictOf(result)).toBe("inconsistent");
    expect(result.drift).toEqual(drift);
  });
});
