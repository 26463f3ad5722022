import { describe, expect, it } from 'vitest';
import { formatEvent } from '../../src/schedule/log.js';

describe('formatEvent', () => {
  const time = new Date('2026-11-23T00:00:00Z');
  it('writes one JSON object per line when not on a terminal', () => {
    const line = formatEvent('info', 'digest.finished', { due: '2026-11-23T00:00:00.000Z', sent: 12, note: 'two\nlines' }, time, true);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd().includes('\n')).toBe(false);
    expect(JSON.parse(line)).toEqual({ time: '2026-11-23T00:00:00.000Z', level: 'info', event: 'digest.finished', due: '2026-11-23T00:00:00.000Z', sent: 12, note: 'two\nlines' });
  });
  it('writes key=value for people, quoting values with spaces', () => {
    expect(formatEvent('warn', 'digest.missed', { lateHours: 25, fix: 'send by hand' }, time, false)).toBe(
      '2026-11-23T00:00:00.000Z warn  digest.missed lateHours=25 fix="send by hand"\n',
    );
  });
});
