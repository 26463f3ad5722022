/**
 * The one place that reads the wall clock. Commands take `--now <ISO time>` so that previews
 * and tests see a fixed time; everything else receives a `Clock` instead of calling `new Date()`.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** A clock fixed at `iso`, or the system clock when `iso` is undefined. */
export function clockFrom(iso: string | undefined): Clock {
  if (iso === undefined) return systemClock;
  const fixed = parseNow(iso);
  return () => new Date(fixed.getTime());
}

/** A `--now` value that is not a time: the CLI prints the message and exits 2. */
export class ClockError extends Error {
  override name = 'ClockError';
}

export function parseNow(iso: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    throw new ClockError(`--now: got ${JSON.stringify(iso)}, expected an ISO 8601 time such as 2026-01-05T09:00:00+09:00`);
  }
  return date;
}

/**
 * A clock that starts at `iso` and then runs with real time (`tayori start --now`, so a
 * long-running process can be started "at" a chosen time and still see time pass).
 */
export function runningClockFrom(iso: string | undefined): Clock {
  if (iso === undefined) return systemClock;
  const offset = parseNow(iso).getTime() - Date.now();
  return () => new Date(Date.now() + offset);
}
