import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";

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
    let mod: Record<string, unknown>;
    try {
      mod = (await import(`${pathToFileURL(path).href}?v=${hash}`)) as Record<string, unknown>;
    } catch (error) {
      throw error instanceof SyntaxError ? await locateSyntaxError(error, path, source) : error;
    }
    return "default" in mod ? { value: mod.default } : undefined;
  }
  const mod: unknown = await evalWithJiti(path, source);
  // Only an own property counts: jiti's interop answers `.default` even when there is none.
  const exported =
    typeof mod === "object" && mod !== null
      ? Object.getOwnPropertyDescriptor(mod, "default")
      : undefined;
  return exported && { value: exported.value };
}

async function evalWithJiti(path: string, source: string): Promise<unknown> {
  // Imported here, not above: an `.mjs` config and migrations never load the transpiler.
  const { createJiti } = await import("jiti");
  return await createJiti(path, { nativeModules: ["qdrant-migrate"] }).evalModule(source, {
    filename: path,
    async: true,
    forceTranspile: true,
  });
}

/**
 * Node's loader reports an ES module's syntax error with no line or column.
 * Only then (never on the fast path) the file is parsed again by jiti, whose
 * parser says where: `…/file.mjs:LINE:COLUMN` with a 0-based column.
 */
async function locateSyntaxError(
  error: SyntaxError,
  path: string,
  source: string,
): Promise<SyntaxError> {
  try {
    await evalWithJiti(path, source);
  } catch (parseError) {
    const where = /:(\d+):(\d+)\s*$/.exec(parseError instanceof Error ? parseError.message : "");
    if (where) {
      const column = Number(where[2]) + 1;
      return new SyntaxError(`${error.message} at line ${where[1]}, column ${column}`);
    }
  }
  return error;
}
