/**
 * One log line per event. JSON (one object per line, for journald/Docker/log shippers) when the
 * output is not a terminal; `time level event key=value …` for people otherwise.
 */
export type LogLevel = 'info' | 'warn' | 'error';
export type EventLog = (level: LogLevel, event: string, fields?: Record<string, unknown>) => void;

export function formatEvent(level: LogLevel, event: string, fields: Record<string, unknown>, time: Date, json: boolean): string {
  if (json) return `${JSON.stringify({ time: time.toISOString(), level, event, ...fields })}\n`;
  const rest = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time.toISOString()} ${level.padEnd(5)} ${event}${rest ? ` ${rest}` : ''}\n`;
}
