import { describe, expect, it } from 'vitest';
import { rfc3339, rfc822, utcOffsetMinutes } from '../../src/feeds/dates.js';

describe('feed dates', () => {
  const instant = new Date('2026-11-14T23:00:00Z');

  it('writes UTC like toUTCString / toISOString, without zero milliseconds', () => {
    expect(rfc822(instant)).toBe(instant.toUTCString());
    expect(rfc3339(instant)).toBe('2026-11-14T23:00:00Z');
    expect(rfc3339(new Date('2026-01-02T03:04:05.006Z'))).toBe('2026-01-02T03:04:05.006Z');
  });

  it("writes the site's wall-clock time with its offset, for the same instant", () => {
    expect(rfc3339(instant, 'Asia/Tokyo')).toBe('2026-11-15T08:00:00+09:00');
    expect(rfc822(instant, 'Asia/Tokyo')).toBe('Sun, 15 Nov 2026 08:00:00 +0900');
    expect(new Date(rfc3339(instant, 'Asia/Tokyo')).getTime()).toBe(instant.getTime());
    expect(Date.parse(rfc822(instant, 'Asia/Kolkata'))).toBe(instant.getTime());
    expect(rfc3339(instant, 'Asia/Kolkata')).toBe('2026-11-15T04:30:00+05:30');
  });

  it('writes RSS dates in zones with a :45 offset in GMT (the validator warns on +0545), Atom keeps the offset', () => {
    expect(rfc822(instant, 'Asia/Kathmandu')).toBe('Sat, 14 Nov 2026 23:00:00 GMT');
    expect(rfc822(instant, 'Pacific/Chatham')).toBe('Sat, 14 Nov 2026 23:00:00 GMT');
    expect(rfc3339(instant, 'Asia/Kathmandu')).toBe('2026-11-15T04:45:00+05:45');
  });

  it('follows daylight saving changes', () => {
    expect(rfc3339(new Date('2026-03-08T06:59:59Z'), 'America/New_York')).toBe('2026-03-08T01:59:59-05:00');
    expect(rfc3339(new Date('2026-03-08T07:00:00Z'), 'America/New_York')).toBe('2026-03-08T03:00:00-04:00');
    expect(rfc822(new Date('2026-07-01T12:00:00Z'), 'America/New_York')).toBe('Wed, 01 Jul 2026 08:00:00 -0400');
    expect(utcOffsetMinutes(new Date('2026-07-01T12:00:00Z'), 'Europe/London')).toBe(60);
    expect(utcOffsetMinutes(new Date('2026-01-01T12:00:00Z'), 'Europe/London')).toBe(0);
  });
});
