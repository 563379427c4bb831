/**
 * The few glob forms a migrations pattern may take, parsed without a glob
 * dependency: `dir/*.ext`, `dir/*.{a,b}`, `dir/**\/*.{a,b}`. Directory segments
 * are literal; only the file-name segment has wildcards (`*`, `?`, one `{…}`).
 */
export interface MigrationsGlob {
  /** The literal directory part, `""` when the pattern starts with a wildcard. */
  base: string;
  /** True for `base/**\/<file>`: files in every subfolder of `base` match too. */
  recursive: boolean;
  /** Tests a file name (not a path). */
  fileName: RegExp;
}

const WILDCARD = /[*?{}[\]]/;

/** Parses `pattern`, or returns a sentence saying why it is not a supported form. */
export function parseMigrationsGlob(pattern: string): MigrationsGlob | string {
  if (pattern.includes("\\")) return "must use / as the path separator";
  const segments = pattern.split("/");
  const first = segments.findIndex((segment) => WILDCARD.test(segment));
  if (first < 0) return "must end in a file pattern with a *, such as migrations/*.ts";
  const rest = segments.slice(first);
  const recursive = rest.length === 2 && rest[0] === "**";
  const file = rest[rest.length - 1] ?? "";
  if (rest.length > 2 || (rest.length === 2 && !recursive)) {
    return "may have wildcards only in the file name, optionally after one **/ (such as migrations/**/*.ts)";
  }
  const fileName = fileNameRegExp(file);
  if (typeof fileName === "string") return fileName;
  return { base: segments.slice(0, first).join("/"), recursive, fileName };
}

function fileNameRegExp(segment: string): RegExp | string {
  if (!segment.includes("*")) return "must end in a file pattern with a *, such as migrations/*.ts";
  if (segment.includes("**")) return "may use ** only as a whole folder segment (**/*.ts)";
  if (segment.includes("[") || segment.includes("]")) return "does not support [...] classes";
  let source = "";
  let inBraces = false;
  for (const char of segment) {
    if (char === "{") {
      if (inBraces) return "does not support nested {...}";
      inBraces = true;
      source += "(?:";
    } else if (char === "}") {
      if (!inBraces) return "has a } without a {";
      inBraces = false;
      source += ")";
    } else if (char === "," && inBraces) source += "|";
    else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^$()|\\]/g, "\\$&");
  }
  if (inBraces) return "has a { without a }";
  return new RegExp(`^${source}$`);
}
