import { parseVersion } from "../toolkit/schema/collection-versions.js";
import { globMatcher } from "../util/glob-match.js";
import type { DeclaredCollection, DeclaredSchema } from "./define-schema.js";
import type { ManagedCollection } from "./managed-collection.js";

/** A declared collection and the managed one it describes. */
export interface DeclaredTarget {
  /** The name the migration uses: as declared (the alias, for `alias: true`), or the matched name. */
  name: string;
  declared: DeclaredCollection;
  /** The template that matched, for a per-tenant collection. */
  template?: string;
  /** Undefined: not managed yet, so it is to be created. */
  current?: ManagedCollection;
}

/**
 * Pairs the declarations with the managed collections: a named declaration
 * with the collection of that name (with `alias: true`, the one its alias
 * points at), a template with every other managed collection whose name (or
 * alias) its `match` fits. Returns the pairs and the managed collections no
 * declaration claims (to be dropped, a person decides), leaving out the old
 * `<alias>_v<N>` versions a blue-green change left behind a declared alias.
 */
export function matchDeclared(
  schema: DeclaredSchema,
  managed: readonly ManagedCollection[],
): { targets: DeclaredTarget[]; undeclared: ManagedCollection[] } {
  const claimed = new Set<ManagedCollection>();
  const targets: DeclaredTarget[] = [];
  const declaredAliases: string[] = [];
  for (const [name, declared] of Object.entries(schema.collections ?? {})) {
    const current = declared.alias
      ? managed.find((m) => m.aliases.includes(name))
      : managed.find((m) => m.name === name);
    if (declared.alias) declaredAliases.push(name);
    if (current) claimed.add(current);
    targets.push({ name, declared, current });
  }
  for (const [template, declared] of Object.entries(schema.templates ?? {})) {
    const { match, ...spec } = declared;
    const fits = globMatcher([match.replace(/\{[^}]*\}/g, "*")]);
    for (const current of managed) {
      if (claimed.has(current)) continue;
      const name = declared.alias
        ? current.aliases.find(fits)
        : fits(current.name)
          ? current.name
          : undefined;
      if (name === undefined) continue;
      claimed.add(current);
      targets.push({ name, declared: spec, template, current });
    }
  }
  const oldVersion = (m: ManagedCollection) => {
    const base = parseVersion(m.name)?.name;
    return m.aliases.length === 0 && base !== undefined && declaredAliases.includes(base);
  };
  const undeclared = managed.filter((m) => !claimed.has(m) && !oldVersion(m));
  return { targets, undeclared };
}
