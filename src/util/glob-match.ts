/**
 * A test of names against glob patterns: `*` stands for any run of
 * characters, `?` for one; everything else is literal. True when any matches.
 */
export function globMatcher(patterns: readonly string[]): (name: string) => boolean {
  const regexes = patterns.map((pattern) => {
    const source = [...pattern]
      .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
      .join("");
    return new RegExp(`^${source}$`, "s");
  });
  return (name) => regexes.some((regex) => regex.test(name));
}
