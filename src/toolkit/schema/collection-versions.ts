/**
 * The physical versions of an alias-managed collection: the alias `<name>`
 * points at one of `<name>_v1`, `<name>_v2`, …, which blue-green changes
 * create and `collections prune` removes.
 */

const VERSION = /^(.+)_v(\d+)$/;

/** The physical collection name of version `n` of `name`. */
export function versionName(name: string, n: number): string {
  return `${name}_v${n}`;
}

/** `{ name, version }` when `collection` is named like a version, `undefined` otherwise. */
export function parseVersion(collection: string): { name: string; version: number } | undefined {
  const match = VERSION.exec(collection);
  if (!match?.[1] || !match[2]) return undefined;
  const version = Number(match[2]);
  return Number.isSafeInteger(version) ? { name: match[1], version } : undefined;
}

/**
 * The next free version of `name`: one above the highest `<name>_v<N>` among
 * `taken` (collection and alias names, since an alias blocks a collection of
 * its name too), 1 when there is none.
 */
export function nextVersion(name: string, taken: Iterable<string>): number {
  let highest = 0;
  for (const existing of taken) {
    const parsed = parseVersion(existing);
    if (parsed?.name === name) highest = Math.max(highest, parsed.version);
  }
  return highest + 1;
}
