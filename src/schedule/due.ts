import cron from 'node-cron';

/**
 * Cron arithmetic for the digest schedule, evaluated in the site's time zone by node-cron's
 * own matcher. Pure apart from building the matcher; tested with fixed times.
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
  const task = cron.createTask(pattern, () => {}, { timezone });
  const hasSeconds = pattern.trim().split(/\s+/).length === 6;
  return { matches: (date) => task.match(date), stepMs: hasSeconds ? 1000 : 60_000 };
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
