import type { Router } from "./http.js";
import type { ServerContext } from "./server-context.js";

/** `GET /` and the Kubernetes health checks (src/actix/api/service_api.rs). */
export function registerServiceRoutes(router: Router, ctx: ServerContext): void {
  router.add("GET", "/", () => ({
    kind: "raw",
    status: 200,
    contentType: "application/json",
    body: JSON.stringify({ title: "qdrant - vector search engine", version: ctx.options.version }),
  }));
  const healthy = () =>
    ({
      kind: "raw",
      status: 200,
      contentType: "text/plain",
      body: "healthz check passed",
    }) as const;
  router.add("GET", "/healthz", healthy);
  router.add("GET", "/livez", healthy);
  router.add("GET", "/readyz", () => ({
    kind: "raw",
    status: 200,
    contentType: "text/plain",
    body: "all shards are ready",
  }));
}
