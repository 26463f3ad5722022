import { describe, expect, it } from 'vitest';
import { formatterFor, instantFromWallTime, parseDateValue, wallTimeFromParts, wallTimeIn } from '../../src/content/dates.js';

const iso = (value: unknown, zone = 'Asia/Tokyo'): string => {
  const r = parseDateValue(value, zone);
  if (!r.ok) throw new Error(r.reason);
  return r.date.toISOString();
};

describe('parseDateValue', () => {
  it.each([
    ['2025-12-17 20:38:36 +0000', '2025-12-17T20:38:36.000Z'],
    ['2026-10-19 09:30:00 +0900', '2026-10-19T00:30:00.000Z'],
    ['2026-10-19 09:30:00 -0130', '2026-10-19T11:00:00.000Z'],
    ['2026-10-19T09:30:00+09:00', '2026-10-19T00:30:00.000Z'],
    ['2026-10-19T09:30:00Z', '2026-10-19T09:30:00.000Z'],
    ['2026-10-19T09:30:00.250Z', '2026-10-19T09:30:00.250Z'],
    ['2026-10-19 09:30 +0900', '2026-10-19T00:30:00.000Z'],
    ['2026-10-19T09:30:00', '2026-10-19T00:30:00.000Z'], // wall time in Asia/Tokyo
    ['2026-10-19 09:30:00', '2026-10-19T00:30:00.000Z'],
    ['2026-11-02', '2026-11-01T15:00:00.000Z'], // midnight in Tokyo = previous day 15:00Z
    ['  2026-11-02  ', '2026-11-01T15:00:00.000Z'],
  ])('%s → %s', (text, expected) => {
    expect(iso(text)).toBe(expected);
  });

  it('reads a date-only value as midnight in the site zone, whatever the zone', () => {
    expect(iso('2026-11-02', 'UTC')).toBe('2026-11-02T00:00:00.000Z');
    expect(iso('2026-11-02', 'America/New_York')).toBe('2026-11-02T05:00:00.000Z');
  });

  it('re-reads a YAML Date at UTC midnight (an unquoted bare date) as midnight in the site zone', () => {
    expect(iso(new Date('2026-11-02T00:00:00Z'))).toBe('2026-11-01T15:00:00.000Z');
    expect(iso(new Date('2026-11-02T10:00:00Z'))).toBe('2026-11-02T10:00:00.000Z');
  });

  it.each([['yesterday'], ['2026-13-01'], ['2026-02-30'], ['2026-11-02 25:00'], ['2026-11-02 +2500'], ['']])(
    'rejects %j',
    (text) => {
      const r = parseDateValue(text, 'UTC');
      expect(r.ok).toBe(false);
    },
  );

  it('rejects values that are not strings', () => {
    for (const value of [20261102, ['2026-11-02'], { y: 2026 }, true]) {
      const r = parseDateValue(value, 'UTC');
      expect(r.ok).toBe(false);
    }
  });
});

describe('zones', () => {
  it('shows an instant as wall time in a zone', () => {
    expect(wallTimeIn(new Date('2025-12-17T20:38:36Z'), 'Asia/Tokyo')).toMatchObject({ year: 2025, month: 12, day: 18, hour: 5, minute: 38, second: 36 });
  });

  it('handles daylight saving time: both sides of the change, the gap and the overlap', () => {
    const wall = (month: number, day: number, hour: number, minute = 0) => ({ year: 2026, month, day, hour, minute, second: 0, millisecond: 0 });
    const ny = 'America/New_York';
    expect(instantFromWallTime(wall(3, 7, 12), ny).toISOString()).toBe('2026-03-07T17:00:00.000Z'); // EST
    expect(instantFromWallTime(wall(3, 9, 12), ny).toISOString()).toBe('2026-03-09T16:00:00.000Z'); // EDT
    // 02:30 does not exist on 2026-03-08; read with the offset from before the gap (EST).
    expect(instantFromWallTime(wall(3, 8, 2, 30), ny).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    // 01:30 happens twice on 2026-11-01; the earlier (EDT) instant is used.
    expect(instantFromWallTime(wall(11, 1, 1, 30), ny).toISOString()).toBe('2026-11-01T05:30:00.000Z');
    // East of UTC too: 02:30 happens twice in Berlin on 2026-10-25 (CEST, then CET).
    expect(instantFromWallTime({ ...wall(10, 25, 2, 30) }, 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(instantFromWallTime({ ...wall(3, 29, 2, 30) }, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z'); // gap: 03:30 CEST
  });

  it('reads the formatted string as the formatter\'s parts give it, in every zone and era', () => {
    // Half-hour and 45-minute offsets, historic local mean time, a skipped day (Apia 2011).
    const zones = ['UTC', 'Asia/Tokyo', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/St_Johns', 'Africa/Monrovia', 'Pacific/Apia'];
    const edges = ['0001-01-01T00:00:00Z', '0000-06-01T12:00:00Z', '-000100-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '+010000-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '2011-12-30T09:59:59Z'];
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const instants = [...edges.map((text) => new Date(text)), ...Array.from({ length: 400 }, () => new Date(Date.UTC(1850, 0, 1) + random() * 250 * 365.25 * 86_400_000))];
    for (const zone of zones) {
      for (const instant of instants) {
        const millisecond = ((instant.getTime() % 1000) + 1000) % 1000;
        expect(wallTimeIn(instant, zone), `${instant.toISOString()} in ${zone}`).toEqual(wallTimeFromParts(formatterFor(zone), instant, millisecond));
      }
    }
  });
});
