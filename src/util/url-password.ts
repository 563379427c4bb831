/**
 * The decoded password of a URL such as `postgres://user:pass@host/db`, or
 * undefined when it has none or does not parse (config validation reports a
 * malformed URL; callers collecting secrets only need what is there).
 */
export function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}
