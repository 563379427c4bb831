import { describe, expect, it } from "vitest";
import { pointIdFor, SOURCE_ID_NAMESPACE, uuidV5 } from "../../src/toolkit/data/point-ids.js";

describe("point ids", () => {
  it("uuidV5 gives what Python's uuid.uuid5(uuid.NAMESPACE_DNS, name) gives", () => {
    expect(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2",
    );
  });

  it("maps a string id to the same version-5 UUID on every call, and different ids apart", () => {
    const id = pointIdFor("chroma-doc-1");
    expect(id).toBe(pointIdFor("chroma-doc-1"));
    expect(id).toBe(uuidV5("chroma-doc-1", SOURCE_ID_NAMESPACE));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointIdFor("chroma-doc-2")).not.toBe(id);
    expect(pointIdFor("chroma-doc-1", "3b241101-e2bb-4255-8caf-4136c566a962")).not.toBe(id);
  });

  it("keeps ids Qdrant accepts: unsigned integers, and UUIDs in Qdrant's own spelling", () => {
    expect(pointIdFor(42)).toBe(42);
    expect(pointIdFor("1B671A64-40D5-491E-99B0-DA01FF1F3341")).toBe(
      "1b671a64-40d5-491e-99b0-da01ff1f3341",
    );
    expect(pointIdFor("42")).not.toBe(42);
    expect(pointIdFor(-1)).toBe(uuidV5("-1", SOURCE_ID_NAMESPACE));
  });
});
