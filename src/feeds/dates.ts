/**
 * Feed dates written in the site's time zone (config.site.timezone): the instant is the same
 * for every reader, but the calendar date a visitor sees in the stylesheet page, and in readers
 * that show the raw string, is the writer's own (a post from 08:00 in Tokyo is not "yesterday").
 */
const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC in `timeZone` at `date`. */
export function utcOffsetMinutes(date: Date, timeZone: string): number {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormatters.set(timeZone, formatter);
  }
  const name = formatter.formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!match || match[1] === undefined) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** The wall-clock fields in the zone, read through the UTC getters of a shifted Date. */
function local(date: Date, timeZone: string): { wall: Date; offset: number } {
  const offset = utcOffsetMinutes(date, timeZone);
  return { wall: new Date(date.getTime() + offset * 60_000), offset };
}

/** RFC 3339 (Atom, JSON Feed): `2026-11-15T08:00:00+09:00`, or `…Z` in UTC; milliseconds only when set. */
export function rfc3339(date: Date, timeZone = 'UTC'): string {
  const { wall, offset } = local(date, timeZone);
  const ms = wall.getUTCMilliseconds();
  const zone = offset === 0 ? 'Z' : `${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return (
    `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}` +
    `T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}` +
    `${ms === 0 ? '' : `.${pad(ms, 3)}`}${zone}`
  );
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 822 with a four-digit year (RSS): `Sun, 15 Nov 2026 08:00:00 +0900`, or `… GMT` in UTC. */
export function rfc822(date: Date, timeZone = 'UTC'): string {
  let { wall, offset } = local(date, timeZone);
  // Offsets such as +0545 (Kathmandu) or +1245 (Chatham) are valid RFC 822, but the W3C validator
  // warns on them: such a date is written in GMT (the same instant).
  if (Math.abs(offset) % 30 !== 0) ({ wall, offset } = local(date, 'UTC'));
  const zone = offset === 0 ? 'GMT' : `${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
  return (
    `${DAYS[wall.getUTCDay()]}, ${pad(wall.getUTCDate())} ${MONTHS[wall.getUTCMonth()]} ${wall.getUTCFullYear()} ` +
    `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())} ${zone}`
  );
}
