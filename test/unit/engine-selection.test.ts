import { describe, expect, it } from "vitest";
import { selectApplied, selectPending } from "../../src/engine/selection.js";
import { entry } from "./entries.js";

const history = [
  entry("001_a", "applied"),
  entry("002_b", "applied"),
  entry("003_c", "failed"),
  entry("004_d", "pending"),
  entry("005_e", "pending"),
];

describe("selectPending (what up applies)", () => {
  it("takes failed and pending migrations, oldest first", () => {
    expect(selectPending(history, {})).toEqual(["003_c", "004_d", "005_e"]);
  });

  it("stops at --to, inclusive", () => {
    expect(selectPending(history, { to: "004_d" })).toEqual(["003_c", "004_d"]);
  });

  it("takes at most --step", () => {
    expect(selectPending(history, { step: 1 })).toEqual(["003_c"]);
  });

  it("refuses a --to that names no migration", () => {
    expect(() => selectPending(history, { to: "009_nope" })).toThrow(
      expect.objectContaining({ code: "MIGRATION_UNKNOWN" }),
    );
  });
});

describe("selectApplied (what down reverts)", () => {
  it("reverts the newest applied migration by default", () => {
    expect(selectApplied(history, {})).toEqual(["002_b"]);
  });

  it("reverts everything, newest first, with --to 0", () => {
    expect(selectApplied(history, { to: 0 })).toEqual(["002_b", "001_a"]);
  });

  it("counts an applied migration whose file is missing, so down never skips it", () => {
    const withMissing = [entry("001_a", "applied"), entry("002_gone", "missing")];
    expect(selectApplied(withMissing, {})).toEqual(["002_gone"]);
  });

  it("refuses a --to that exists but is not applied, naming its state", () => {
    expect(() => selectApplied(history, { to: "004_d" })).toThrow(
      expect.objectContaining({ code: "MIGRATION_NOT_APPLIED" }),
    );
  });

  it("refuses a --to that names no migration", () => {
    expect(() => selectApplied(history, { to: "009_nope" })).toThrow(
      expect.objectContaining({ code: "MIGRATION_UNKNOWN" }),
    );
  });
});
