import { fileURLToPath } from "node:url";

/**
 * Vite aliases that run the workspace packages from their source, as the
 * `paths` of tsconfig.json do for tsc and tsx; without them Vite resolves a
 * package through its `exports`, to a `dist/` that only `npm run build` makes.
 */
export const sourceAliases: Record<string, string> = {
  "@qdrant-migrate/qdrant-server": fileURLToPath(
    new URL("../../packages/qdrant-server/src/index.ts", import.meta.url),
  ),
};
