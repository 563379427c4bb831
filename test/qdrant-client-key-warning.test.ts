import { afterEach, describe, expect, it, vi } from "vitest";
import { connectQdrant } from "../src/qdrant/connect.js";

describe("connecting with an API key over plain http", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("says nothing for a loopback URL, where the key never leaves the machine", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    connectQdrant({ url: "http://127.0.0.1:6333", apiKey: "loopback-key-123", timeoutMs: 1000 });
    connectQdrant({ url: "http://localhost:6333", apiKey: "loopback-key-123", timeoutMs: 1000 });
    expect(warn).not.toHaveBeenCalled();
  });

  it("warns once per process for another host, naming the host and never the key", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    for (let i = 0; i < 3; i++) {
      connectQdrant({
        url: "http://qdrant.internal:6333",
        apiKey: "remote-key-456",
        timeoutMs: 1000,
      });
    }
    expect(warn).toHaveBeenCalledTimes(1);
    const text = String(warn.mock.calls[0]?.[0]);
    expect(text).toContain("qdrant.internal:6333");
    expect(text).toContain("https://");
    expect(text).not.toContain("remote-key-456");
  });
});
