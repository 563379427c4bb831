import { describe, expect, it } from "vitest";
import { pointKey, touchedBy } from "../../src/qdrant/touched-points.js";

describe("touchedBy: the points a data write may change", () => {
  it("names the ids of upserted points, in the list and in the batch shape", () => {
    expect(touchedBy("upsert", "c", { points: [{ id: 1 }, { id: "a" }] })).toEqual({
      collection: "c",
      ids: [1, "a"],
    });
    expect(touchedBy("upsert", "c", { batch: { ids: [3, 4], vectors: [] } })).toEqual({
      collection: "c",
      ids: [3, 4],
    });
  });

  it("keeps the filter of a write that selects points by filter", () => {
    const filter = { must: [{ key: "n", match: { value: 1 } }] };
    expect(touchedBy("delete", "c", { filter })).toEqual({ collection: "c", filter });
    expect(touchedBy("clearPayload", "c", { points: { filter } })).toEqual({
      collection: "c",
      filter,
    });
  });

  it("takes the ids when a payload write gives both ids and a filter, as Qdrant does", () => {
    expect(
      touchedBy("setPayload", "c", { points: [7], filter: { must: [] }, payload: { a: 1 } }),
    ).toEqual({ collection: "c", ids: [7] });
  });

  it("merges the operations of a batch, joining their filters with should", () => {
    const f1 = { must: [{ key: "a", match: { value: 1 } }] };
    const f2 = { must: [{ key: "b", match: { value: 2 } }] };
    expect(
      touchedBy("batchUpdate", "c", {
        operations: [
          { upsert: { points: [{ id: 1 }] } },
          { delete: { filter: f1 } },
          { delete_vectors: { filter: f2, vector: ["v"] } },
          { update_vectors: { points: [{ id: 2, vector: { v: [1] } }] } },
        ],
      }),
    ).toEqual({ collection: "c", ids: [1, 2], filter: { should: [f1, f2] } });
  });

  it("says every point for removing a named vector, an unknown operation or an unreadable body", () => {
    expect(touchedBy("deleteVectorName", "c", undefined)).toEqual({ collection: "c", all: true });
    expect(touchedBy("batchUpdate", "c", { operations: [{ frobnicate: {} }] })).toEqual({
      collection: "c",
      all: true,
    });
    expect(touchedBy("delete", "c", "nonsense")).toEqual({ collection: "c", all: true });
  });
});

describe("pointKey", () => {
  it("compares a UUID equal in any case and with or without dashes, and keeps numbers apart", () => {
    expect(pointKey("5C56C793-69F3-4FBF-87E6-C4BF54C28C26")).toBe(
      pointKey("5c56c79369f34fbf87e6c4bf54c28c26"),
    );
    expect(pointKey(1)).not.toBe(pointKey("1"));
  });
});
