/**
 * Post dates, read the way Jekyll reads them: a time without an offset (and a bare date, which
 * means midnight) is wall-clock time in the site's time zone. Pure; zone offsets come from Intl.
 */

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

export function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * What the en-US formatter above prints for years 1–9999: `12/18/2025, 05:38:36`. Reading that
 * string back costs a third of `formatToParts`, which builds an object per field: the largest
 * single cost in reading 10,000 posts' front matter (the permalink's date parts). Any other
 * shape (another ICU, a year of five digits) goes through the parts. Years before 1 read the
 * same (era-less) either way.
 */
const EN_US_NUMERIC = /^(\d{1,2})\/(\d{1,2})\/(\d{1,4}), (\d{1,2}):(\d{1,2}):(\d{1,2})$/;

/** The wall-clock time that `instant` shows in `timeZone`. */
export function wallTimeIn(instant: Date, timeZone: string): WallTime {
  const formatter = formatterFor(timeZone);
  const m = EN_US_NUMERIC.exec(formatter.format(instant));
  const t = instant.getTime();
  const millisecond = ((t % 1000) + 1000) % 1000;
  if (m) {
    return { year: Number(m[3]), month: Number(m[1]), day: Number(m[2]), hour: Number(m[4]) % 24, minute: Number(m[5]), second: Number(m[6]), millisecond };
  }
  return wallTimeFromParts(formatter, instant, millisecond);
}

/** wallTimeIn by the formatter's parts: any shape, any year. */
export function wallTimeFromParts(formatter: Intl.DateTimeFormat, instant: Date, millisecond: number): WallTime {
  const parts: Record<string, number> = {};
  for (const p of formatter.formatToParts(instant)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
    second: parts.second!,
    millisecond,
  };
}

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (Tokyo: +9 h). */
function offsetAt(instantMs: number, timeZone: string): number {
  const w = wallTimeIn(new Date(instantMs), timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);
  return asUtc - instantMs;
}

/**
 * The instant at which clocks in `timeZone` show `w`. In a DST gap the time is read with the
 * offset from before the gap; in an overlap, the earlier of the two instants.
 */
export function instantFromWallTime(w: WallTime, timeZone: string): Date {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);
  // The offsets a day either side: the two in force around any change of that day (a probe
  // at the wall time itself can land past the change and miss the earlier reading).
  const before = asUtc - offsetAt(asUtc - DAY_MS, timeZone);
  const after = asUtc - offsetAt(asUtc + DAY_MS, timeZone);
  const fits = [before, after].filter((t) => asUtc - offsetAt(t, timeZone) === t);
  // In a gap neither fits; the offset from before the gap gives the later instant (02:30 → 03:30).
  return new Date(fits.length > 0 ? Math.min(...fits) : before);
}

const DAY_MS = 86_400_000;

/**
 * `2025-12-17`, `2025-12-17 20:38:36 +0000`, `2025-12-17T20:38:36Z`, `2025-12-17T20:38:36+09:00`,
 * `2025-12-17 20:38 +0900`, with optional fractional seconds. Time and offset are optional.
 */
const DATE_TEXT =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(?:[ \t]*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?$/;

export type DateResult = { ok: true; date: Date } | { ok: false; reason: string };

/** Reads a front-matter date value (a string, or a Date when a YAML parser made one). */
export function parseDateValue(value: unknown, timeZone: string): DateResult {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return { ok: false, reason: 'it is not a valid date' };
    // YAML parsers turn an unquoted bare date into UTC midnight; Jekyll means site-zone midnight.
    if (value.getUTCHours() === 0 && value.getUTCMinutes() === 0 && value.getUTCSeconds() === 0 && value.getUTCMilliseconds() === 0) {
      return {
        ok: true,
        date: instantFromWallTime(
          { year: value.getUTCFullYear(), month: value.getUTCMonth() + 1, day: value.getUTCDate(), hour: 0, minute: 0, second: 0, millisecond: 0 },
          timeZone,
        ),
      };
    }
    return { ok: true, date: value };
  }
  if (typeof value !== 'string') {
    return { ok: false, reason: `expected a date such as "2026-11-02 20:38:36 +0900", got ${describe(value)}` };
  }
  return parseDateText(value.trim(), timeZone);
}

export function parseDateText(text: string, timeZone: string): DateResult {
  const m = DATE_TEXT.exec(text);
  if (!m) {
    return { ok: false, reason: `${JSON.stringify(text)} is not a date (forms: 2026-11-02, 2026-11-02 20:38:36 +0900, 2026-11-02T20:38:36Z)` };
  }
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const wall: WallTime = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: h ? Number(h) : 0,
    minute: mi ? Number(mi) : 0,
    second: s ? Number(s) : 0,
    millisecond: frac ? Math.round(Number(`0.${frac}`) * 1000) : 0,
  };
  if (!isValidWallTime(wall)) return { ok: false, reason: `${JSON.stringify(text)} is not a real calendar date or time` };
  if (zone === undefined) return { ok: true, date: instantFromWallTime(wall, timeZone) };
  const offsetMs = parseOffset(zone);
  if (offsetMs === undefined) return { ok: false, reason: `${JSON.stringify(text)} has an offset out of range` };
  const utc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond) - offsetMs;
  return { ok: true, date: new Date(utc) };
}

function parseOffset(zone: string): number | undefined {
  if (/^(z|utc|gmt)$/i.test(zone)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
  const hours = Number(m[2]);
  const minutes = m[3] ? Number(m[3]) : 0;
  if (hours > 18 || minutes > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

function isValidWallTime(w: WallTime): boolean {
  if (w.month < 1 || w.month > 12 || w.day < 1 || w.hour > 23 || w.minute > 59 || w.second > 60) return false;
  const daysInMonth = new Date(Date.UTC(w.year, w.month, 0)).getUTCDate();
  return w.day <= daysInMonth;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** `2026-10-27-hello.md` → the date part and the rest, else undefined. */
export function splitDatePrefix(baseName: string): { date: string; rest: string } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})-(.*)$/.exec(baseName);
  return m ? { date: m[1]!, rest: m[2]! } : undefined;
}

export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
