/** What a secret is replaced with wherever it would otherwise be shown. */
const MASK = "***";

/** Query parameters whose values are credentials (compared case-insensitively). */
const SECRET_PARAM = /^(api[-_]?key|key|token|access[-_]?token|password|secret)$/i;

/**
 * The URL with its password and any credential-bearing query values replaced
 * by `***`, safe to put in logs and error messages. A string that does not
 * parse as a URL is still redacted (by pattern), never returned untouched.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactByPattern(url);
  }
  const search = parsed.search ? redactQuery(parsed.search.slice(1)) : "";
  if (!parsed.password && search === parsed.search.slice(1)) return url;
  if (parsed.password) parsed.password = MASK;
  // Rewritten by hand, not through URLSearchParams, so the other parameters
  // keep their original spelling.
  if (parsed.search) parsed.search = search;
  return parsed.toString();
}

/**
 * Secrets shorter than this are masked only where they stand alone (not inside
 * a longer word): a password such as `app` must not turn "applied" into
 * "***lied", and inside another word it discloses nothing.
 */
const SHORT_SECRET = 8;

/**
 * A secret of letters only and shorter than this reads as a word ("postgres",
 * the default password of local servers): it is masked only where it stands
 * as a credential, or every "postgres" in a message would become "***".
 */
const WORD_SECRET = 16;
const WORD = /^[A-Za-z]+$/;

/** Where a value stands as a credential: after `password=`, `api-key: `, in a URL's `user:…@`. */
const CREDENTIAL_BEFORE =
  "(?:(?:pass(?:word)?|passwd|pwd|api[-_]?key|apikey|token|secret|key)[\"']?\\s*[:=]\\s*[\"']?|//[^/\\s:@]*:)";

/**
 * `text` with every occurrence of each non-empty secret, and of its
 * URL-encoded form, replaced by `***`; short secrets only where they are not
 * part of a longer run of letters and digits; secrets that read as a word
 * only where they stand as a credential or are the whole text.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    needles.add(secret);
    needles.add(encodeURIComponent(secret));
    // As it stands inside JSON output: `"` and `\` come escaped there.
    needles.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so a secret containing another is masked whole rather than
  // leaving its tail visible.
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  let result = text;
  for (const needle of ordered) {
    const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (WORD.test(needle) && needle.length < WORD_SECRET) {
      if (result === needle) return MASK;
      result = result.replace(
        new RegExp(`(?<=${CREDENTIAL_BEFORE})${escaped}(?![A-Za-z0-9])`, "gi"),
        MASK,
      );
    } else if (needle.length >= SHORT_SECRET) {
      result = result.split(needle).join(MASK);
    } else {
      result = result.replace(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, "g"), MASK);
    }
  }
  return result;
}

function redactQuery(query: string): string {
  return query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 0) return pair;
      const name = safeDecode(pair.slice(0, eq));
      return SECRET_PARAM.test(name) ? `${pair.slice(0, eq)}=${MASK}` : pair;
    })
    .join("&");
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

function redactByPattern(text: string): string {
  return (
    text
      // user:password@, up to the last "@" on the line: an unparseable URL may
      // hold an unencoded password with "@" or spaces in it, and masking too
      // much is the safe mistake.
      .replace(/(\/\/[^/?#@:\s]*:).*@/, `$1${MASK}@`)
      .replace(
        /([?&;](?:api[-_]?key|key|token|access[-_]?token|password|secret)=)[^&#\s]*/gi,
        `$1${MASK}`,
      )
  );
}

/**
 * `text` with the input excerpt of JSON.parse errors masked: V8 quotes the
 * start of what it failed to parse ("Unexpected token 's', "sk-live-ab"... is
 * not valid JSON"), and that input may be a mounted secret file.
 */
export function redactJsonInput(text: string): string {
  return text.replace(
    /Unexpected token '[\s\S]', "[\s\S]*?"(?:\.\.\.)? is not valid JSON/g,
    `Unexpected token, "${MASK}" is not valid JSON`,
  );
}
