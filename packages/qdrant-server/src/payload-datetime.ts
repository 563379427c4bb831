/**
 * Datetimes as Qdrant reads them in `range` filters and payloads
 * (segment/src/types.rs DateTimeWrapper::from_str): RFC 3339, `T` or a space
 * between date and time, offsets with or without a colon, and naive forms
 * (`YYYY-MM-DD HH:MM[:SS[.f]]`, `YYYY-MM-DD`) taken as UTC. Compared as
 * microseconds since the epoch, Qdrant's own resolution.
 */

const FORMAT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/** Microseconds since 1970-01-01T00:00:00Z, or undefined when `text` is no datetime. */
export function parseDatetimeMicros(text: string): number | undefined {
  const m = FORMAT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zulu, sign, oh, om] = m;
  const hasZone = zulu !== undefined || sign !== undefined;
  // Qdrant takes an offset only after full seconds, and no lone date with one.
  if (hasZone && s === undefined) return undefined;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  if (sign !== undefined) {
    const hours = Number(oh);
    const minutes = Number(om ?? 0);
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (sign === "-" ? -1 : 1) * (hours * 60 + minutes);
  }
  const millis = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  const micros = frac === undefined ? 0 : Number(frac.slice(0, 6).padEnd(6, "0"));
  return millis * 1000 + micros;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
