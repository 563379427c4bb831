import { readFile } from "node:fs/promises";
import { createJiti } from "jiti";

/**
 * Imports a user's TypeScript or JavaScript module (migration or config file)
 * from its current contents and returns its default export, or `undefined`
 * when it has none. The file itself is always transpiled and evaluated afresh:
 * `jiti.import` would hand `.mjs` (and `.js` in ESM packages) to Node's loader,
 * whose cache keeps serving a file's first version in a long-lived process.
 * What it imports is cached as usual, or every load would re-transpile the
 * whole import graph (seconds per file).
 */
export async function importDefaultFresh(path: string): Promise<{ value: unknown } | undefined> {
  const source = await readFile(path, "utf8");
  const jiti = createJiti(path, { fsCache: false });
  const mod: unknown = await jiti.evalModule(source, {
    filename: path,
    async: true,
    forceTranspile: true,
  });
  // Only an own property counts: jiti's interop answers `.default` even when there is none.
  const exported =
    typeof mod === "object" && mod !== null
      ? Object.getOwnPropertyDescriptor(mod, "default")
      : undefined;
  return exported && { value: exported.value };
}
