import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { createJiti } from "jiti";

/**
 * Imports a user's TypeScript or JavaScript module (migration or config file)
 * from its current contents and returns its default export, or `undefined`
 * when it has none. A long-lived process (a test run, an app calling the API
 * twice) must see a file's current version, never a cached first one.
 *
 * `.mjs` files go to Node's own loader with the content's hash in the URL: a
 * changed file is a new module, and nothing is transpiled, which keeps a
 * container's start-up fast. Everything else (TypeScript, `.js` of either
 * module kind) is transpiled by jiti and evaluated afresh; jiti's on-disk
 * cache is keyed by content, so a repeated start skips the transpiler.
 * What a file imports is cached as usual, or every load would re-transpile
 * its whole import graph.
 */
export async function importDefaultFresh(path: string): Promise<{ value: unknown } | undefined> {
  const source = await readFile(path, "utf8");
  if (path.endsWith(".mjs")) {
    const hash = createHash("sha256").update(source).digest("hex");
    const mod = (await import(`${pathToFileURL(path).href}?v=${hash}`)) as Record<string, unknown>;
    return "default" in mod ? { value: mod.default } : undefined;
  }
  const mod: unknown = await createJiti(path, { nativeModules: ["qdrant-migrate"] }).evalModule(
    source,
    {
      filename: path,
      async: true,
      forceTranspile: true,
    },
  );
  // Only an own property counts: jiti's interop answers `.default` even when there is none.
  const exported =
    typeof mod === "object" && mod !== null
      ? Object.getOwnPropertyDescriptor(mod, "default")
      : undefined;
  return exported && { value: exported.value };
}
