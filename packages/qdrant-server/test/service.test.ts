import { describe, expect, it } from "vitest";
import { useQdrant } from "./harness/qdrant.js";

const qdrant = useQdrant();

describe("Qdrant server: service endpoints", () => {
  it("GET / reports title and version, not enveloped", async () => {
    const res = await fetch(`${qdrant.url}/`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.title).toBe("qdrant - vector search engine");
    expect(typeof body.version).toBe("string");
    expect(body).not.toHaveProperty("result");
  });

  it("answers /healthz and /livez with Qdrant's text", async () => {
    for (const path of ["/healthz", "/livez"]) {
      const res = await fetch(`${qdrant.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("healthz check passed");
    }
  });

  it("is reachable through the official client", async () => {
    const info = await qdrant.client.versionInfo();
    expect(info.title).toBe("qdrant - vector search engine");
  });
});
