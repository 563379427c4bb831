import { describe, expect, it } from "vitest";
import { backoffDelay } from "../src/util/backoff.js";

describe("backoffDelay", () => {
  it("doubles from the base delay per attempt", () => {
    const top = () => 1;
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 100, 10_000, top))).toEqual([
      100, 200, 400, 800,
    ]);
  });

  it("never exceeds the maximum delay", () => {
    expect(backoffDelay(30, 100, 5_000, () => 1)).toBe(5_000);
  });

  it("jitters within the upper half of the step", () => {
    expect(backoffDelay(3, 100, 10_000, () => 0)).toBe(200);
    expect(backoffDelay(3, 100, 10_000, () => 0.5)).toBe(300);
  });
});
