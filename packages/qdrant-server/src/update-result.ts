import type { QdrantRequest } from "./http.js";
import type { ServerState } from "./model.js";
import { queryFlag } from "./validation.js";

/**
 * The UpdateResult of a write: `completed` with `?wait=true`, `acknowledged`
 * otherwise (Qdrant's `wait` defaults to false for point and index writes).
 */
export function updateResult(
  state: ServerState,
  req: QdrantRequest,
): { operation_id: number; status: "completed" | "acknowledged" } {
  const wait = queryFlag(req.query, "wait", false);
  return { operation_id: state.nextOperationId++, status: wait ? "completed" : "acknowledged" };
}
