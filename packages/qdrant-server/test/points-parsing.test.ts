import { describe, expect, it } from "vitest";
import { parseDatetimeMicros } from "../src/payload-datetime.js";
import { deleteAtPath, getValues, parsePayloadPath, setAtPath } from "../src/payload-paths.js";
import {
  canonicalUuid,
  comparePointIds,
  parsePathPointId,
  parsePointId,
} from "../src/point-ids.js";
import { shortestFloat32 } from "../src/vectors.js";

const UUID = "550e8400-e29b-41d4-a716-446655440000";

describe("point ids", () => {
  it("reads every UUID form the uuid crate parses as the canonical lower-case form", () => {
    for (const form of [
      UUID.toUpperCase(),
      UUID.replaceAll("-", ""),
      `{${UUID}}`,
      `urn:uuid:${UUID}`,
    ]) {
      expect(canonicalUuid(form)).toBe(UUID);
    }
  });

  it("refuses numeric strings, negative and fractional numbers as body ids", () => {
    for (const bad of ["123", -1, 1.5, null, "x"]) {
      expect(() => parsePointId(bad)).toThrow(/is not a valid point ID/);
    }
  });

  it("reads numeric strings as ids in URL paths", () => {
    expect(parsePathPointId("42")).toBe(42);
    expect(() => parsePathPointId("-1")).toThrow('Can not recognize "-1" as point id');
  });

  it("orders integers numerically, before every UUID", () => {
    const ids = [UUID, 10, "00000000-0000-0000-0000-000000000000", 9];
    expect(ids.sort(comparePointIds)).toEqual([
      9,
      10,
      "00000000-0000-0000-0000-000000000000",
      UUID,
    ]);
  });
});

describe("datetimes", () => {
  const utc = (iso: string) => Date.parse(iso) * 1000;

  it("reads RFC 3339 with Z, offsets with and without colon, and fractions to microseconds", () => {
    expect(parseDatetimeMicros("2024-01-01T00:00:00Z")).toBe(utc("2024-01-01T00:00:00Z"));
    expect(parseDatetimeMicros("2024-01-01T02:00:00+02:00")).toBe(utc("2024-01-01T00:00:00Z"));
    expect(parseDatetimeMicros("2024-01-01T02:00:00+0200")).toBe(utc("2024-01-01T00:00:00Z"));
    expect(parseDatetimeMicros("2024-01-01T00:00:00.000123Z")).toBe(
      utc("2024-01-01T00:00:00Z") + 123,
    );
  });

  it("reads naive forms as UTC", () => {
    expect(parseDatetimeMicros("2024-01-01")).toBe(utc("2024-01-01T00:00:00Z"));
    expect(parseDatetimeMicros("2024-01-01 10:30")).toBe(utc("2024-01-01T10:30:00Z"));
  });

  it("refuses impossible dates and other text", () => {
    for (const bad of ["2024-02-30", "2024-13-01", "yesterday", "2024-01-01Z"]) {
      expect(parseDatetimeMicros(bad)).toBeUndefined();
    }
  });
});

describe("payload paths", () => {
  const doc = { a: { b: [{ c: 1 }, { c: [2, 3] }, { d: 4 }] }, "x.y": 5 };

  it("returns a leaf array whole and enters arrays only at []", () => {
    expect(getValues(doc, parsePayloadPath("a.b[].c"))).toEqual([1, [2, 3]]);
    expect(getValues(doc, parsePayloadPath("a.b.c"))).toEqual([]);
    expect(getValues(doc, parsePayloadPath("a.b[2].d"))).toEqual([4]);
  });

  it("reads quoted keys that contain dots", () => {
    expect(getValues(doc, parsePayloadPath('"x.y"'))).toEqual([5]);
  });

  it("sets under a path, creating objects on the way", () => {
    const payload: Record<string, unknown> = { a: 1 };
    setAtPath(payload, parsePayloadPath("p.q"), { r: true });
    expect(payload).toEqual({ a: 1, p: { q: { r: true } } });
  });

  it("deletes a key inside every array element", () => {
    const payload = structuredClone(doc) as Record<string, unknown>;
    deleteAtPath(payload, parsePayloadPath("a.b[].c"));
    expect(payload.a).toEqual({ b: [{}, {}, { d: 4 }] });
  });
});

describe("float32 output", () => {
  it("prints a float32 as the shortest decimal that reads back the same", () => {
    for (const x of [0.1, 0.2, 1 / 3, 123.456, 1e-7, -2.5]) {
      const f = Math.fround(x);
      const printed = shortestFloat32(f);
      expect(Math.fround(printed)).toBe(f);
      expect(String(printed).replace(/^-?0\./, "").length).toBeLessThanOrEqual(9);
    }
    expect(shortestFloat32(Math.fround(0.1))).toBe(0.1);
  });
});
