import cron from 'node-cron';
import { instantFromWallTime, wallTimeIn } from '../content/dates.js';

/**
 * Cron arithmetic for the digest schedule, in the site's time zone, on the days clocks change:
 * a time that happens twice (clocks go back) is due the first time only, and a time that never
 * happens (clocks go forward) is due at the first moment after the gap, as cronie does for jobs
 * at a fixed time (a digest's case). Unlike cronie, the rule holds for every pattern: an hourly
 * `0 * * * *` skips the repeated hour. Pure apart from building the matcher; tested with fixed times.
 */
export interface CronMatcher {
  /** True when `date` (to the second for 6-field patterns, to the minute otherwise) is a due time. */
  matches(date: Date): boolean;
  /** 1 s for patterns with a seconds field, else 60 s. */
  stepMs: number;
}

export function cronMatcher(pattern: string, timezone: string): CronMatcher {
  if (!cron.validate(pattern)) {
    throw new Error(`digest.schedule: got ${JSON.stringify(pattern)}, expected a cron expression such as "0 9 * * 1" (Monday 09:00)`);
  }
  // node-cron matches a Date's fields in the task's zone. In UTC, a wall-clock time written as
  // a UTC date is matched as it reads, which is what the rules above need (a skipped time has
  // no instant of its own to ask about).
  const task = cron.createTask(pattern, () => {}, { timezone: 'UTC' });
  const matchesWall = (wallMs: number): boolean => task.match(new Date(wallMs));
  const step = pattern.trim().split(/\s+/).length === 6 ? 1000 : 60_000;
  /** The wall-clock time at instant `t`, written as UTC milliseconds (one-entry memo: searches step by one). */
  let memo = { t: Number.NaN, wall: 0 };
  const wallAt = (t: number): number => {
    if (memo.t !== t) {
      const w = wallTimeIn(new Date(t), timezone);
      memo = { t, wall: Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) };
    }
    return memo.wall;
  };
  return {
    stepMs: step,
    matches(date) {
      const t = date.getTime();
      const wall = wallAt(t);
      const before = wallAt(t - step);
      if (matchesWall(wall)) {
        // Clocks went back: this wall time was shown before, and was due then.
        const first = instantFromWallTime(wallTimeIn(new Date(t), timezone), timezone).getTime();
        return first >= t;
      }
      // Clocks went forward between t - step and t: the times they skipped are due now.
      for (let skipped = before + step; skipped < wall; skipped += step) {
        if (matchesWall(skipped)) return true;
      }
      return false;
    },
  };
}

/** How far back the search for a missed due time looks (a weekly schedule needs a week and a bit). */
export function searchWindowMs(matcher: CronMatcher): number {
  return matcher.stepMs === 1000 ? 6 * 3600_000 : 8 * 24 * 3600_000;
}

/**
 * The latest due time in (`after`, `now`], or undefined. Steps back from `now` one minute (or
 * second) at a time, never further than the search window.
 */
export function latestDueAt(matcher: CronMatcher, now: Date, after: Date): Date | undefined {
  const step = matcher.stepMs;
  const floor = Math.max(after.getTime(), now.getTime() - searchWindowMs(matcher));
  for (let t = Math.floor(now.getTime() / step) * step; t > floor; t -= step) {
    const candidate = new Date(t);
    if (matcher.matches(candidate)) return candidate;
  }
  return undefined;
}

/**
 * May a digest due at `due` still go out at `now`? Up to `catchUpHours` late, and always within
 * a small grace so an on-time tick that runs a little late is never "missed", even with catchUp 0.
 */
export const ON_TIME_GRACE_MS = 2 * 60_000;

export function withinCatchUp(due: Date, now: Date, catchUpHours: number): boolean {
  return now.getTime() - due.getTime() <= Math.max(catchUpHours * 3600_000, ON_TIME_GRACE_MS);
}
