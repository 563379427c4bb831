import { readFile } from "node:fs/promises";
import { createJiti } from "jiti";

/**
 * Imports a user's TypeScript or JavaScript module (migration or config file)
 * from its current contents and returns its default export, or `undefined`
 * when it has none. `jiti.import` hands `.mjs` (and `.js` in ESM packages) to
 * Node's own loader, whose cache would keep serving a file's first version in
 * a long-lived process; so every file is transpiled and evaluated afresh.
 */
export async function importDefaultFresh(path: string): Promise<{ value: unknown } | undefined> {
  const source = await readFile(path, "utf8");
  const jiti = createJiti(path, { moduleCache: false, fsCache: false });
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
