import { describe, expect, it } from 'vitest';
import { CsvFormatError, parseSubscriberCsv, stringifySubscriberCsv } from '../../src/subscribers/csv.js';

describe('parseSubscriberCsv', () => {
  it('reads RFC 4180 quoting: commas, doubled quotes and newlines inside a name', () => {
    const text = 'email,name\r\na@example.com,"Doe, Jane ""JD"""\r\nb@example.com,"two\r\nlines"\r\nc@example.com,Plain\r\n';
    const { rows, skipped } = parseSubscriberCsv(text);
    expect(skipped).toEqual([]);
    expect(rows).toEqual([
      { line: 2, email: 'a@example.com', name: 'Doe, Jane "JD"' },
      { line: 3, email: 'b@example.com', name: 'two\r\nlines' },
      // The record above spans lines 3-4, so this one starts on line 5.
      { line: 5, email: 'c@example.com', name: 'Plain' },
    ]);
  });

  it('strips a UTF-8 BOM, keeps Japanese text, and numbers lines across blank lines', () => {
    const text = '\uFEFFemail,name,categories\n\n山田@example.jp,山田 太郎,"お知らせ, releases"\n\n\n  ,  ,\nsato@例え.テスト,佐藤 花子,\n';
    const { rows, skipped, ignoredColumns } = parseSubscriberCsv(text);
    expect(ignoredColumns).toEqual([]);
    expect(skipped).toEqual([]);
    expect(rows).toEqual([
      { line: 3, email: '山田@example.jp', name: '山田 太郎', categories: ['お知らせ', 'releases'] },
      { line: 7, email: 'sato@例え.テスト', name: '佐藤 花子' },
    ]);
  });

  it('accepts any column order, header case and extra columns (reported as ignored)', () => {
    const text = 'Name,Phone,E-Mail,STATUS\nAnn,123,ann@example.com,Unsubscribed\n';
    const parsed = parseSubscriberCsv(text);
    expect(parsed.ignoredColumns).toEqual(['Phone']);
    expect(parsed.rows).toEqual([{ line: 2, email: 'ann@example.com', name: 'Ann', status: 'unsubscribed' }]);
  });

  it('skips rows with an empty email, unknown status or bad timestamp, naming line and reason', () => {
    const text = [
      'email,name,status,created_at',
      ',No address,,',
      'x@example.com,X,vip,',
      'y@example.com,Y,active,yesterday',
      'z@example.com,Z,bounced,2026-01-05T09:00:00+09:00',
    ].join('\n');
    const { rows, skipped } = parseSubscriberCsv(text);
    expect(skipped).toEqual([
      { line: 2, reason: 'the email cell is empty' },
      { line: 3, reason: expect.stringContaining('unknown status "vip"') },
      { line: 4, reason: expect.stringContaining('created_at "yesterday" is not an ISO 8601 time') },
    ]);
    expect(rows).toEqual([{ line: 5, email: 'z@example.com', name: 'Z', status: 'bounced', createdAt: '2026-01-05T00:00:00.000Z' }]);
  });

  it('rejects a file without an email column, an empty file, and broken quoting', () => {
    expect(() => parseSubscriberCsv('name,address\nAnn,ann@example.com\n')).toThrow(/no "email" column/);
    expect(() => parseSubscriberCsv('')).toThrow(CsvFormatError);
    expect(() => parseSubscriberCsv('email,email\na@example.com,b@example.com\n')).toThrow(/"email" twice/);
    let error: unknown;
    try {
      parseSubscriberCsv('email,name\na@example.com,"never closed\nb@example.com,B\n');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CsvFormatError);
    expect((error as CsvFormatError).message).toMatch(/not valid CSV/);
  });

  it('reports broken quoting at the line where the broken record starts, with CRLF and blank lines, and says how to fix it', () => {
    const cases: [string, number][] = [
      ['email,name\na@example.com,x\nb@example.com,"unterminated\nc@example.com,x\nd@example.com,x\n', 3],
      ['email,name\r\na@example.com,"multi\r\nline"\r\nb@example.com,"Lee" Ann\r\nc@example.com,x\r\n', 4],
      ['email,name\na@example.com,"multi\nline"\nb@example.com,"Lee" Ann\nc@example.com,x\n', 4],
      ['\uFEFFemail,name\na@example.com,x\n\n\nb@example.com,"x" y\n', 5],
      ['email,name\n"a@example.com,x\n', 2],
    ];
    for (const [text, line] of cases) {
      let error: unknown;
      try {
        parseSubscriberCsv(text);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(text)).toBeInstanceOf(CsvFormatError);
      expect((error as CsvFormatError).line, JSON.stringify(text)).toBe(line);
      expect((error as CsvFormatError).message).toMatch(/must be doubled/);
      expect((error as CsvFormatError).message).not.toMatch(/at line \d/);
    }
  });

  it('round-trips what stringifySubscriberCsv writes', () => {
    const text = stringifySubscriberCsv([
      {
        email: 'a@example.com',
        name: 'Doe, "J"\nsecond line',
        status: 'active',
        categories: ['news', 'お知らせ'],
        source: 'web',
        createdAt: '2026-01-01T00:00:00.000Z',
        confirmedAt: '2026-01-02T00:00:00.000Z',
        unsubscribedAt: null,
        updatedAt: '2026-01-02T00:00:00.000Z',
      },
    ]);
    expect(text.startsWith('email,name,status,categories,source,created_at,confirmed_at,unsubscribed_at,updated_at\r\n')).toBe(true);
    expect(parseSubscriberCsv(text).rows).toEqual([
      {
        line: 2,
        email: 'a@example.com',
        name: 'Doe, "J"\nsecond line',
        status: 'active',
        categories: ['news', 'お知らせ'],
        source: 'web',
        createdAt: '2026-01-01T00:00:00.000Z',
        confirmedAt: '2026-01-02T00:00:00.000Z',
        updatedAt: '2026-01-02T00:00:00.000Z',
      },
    ]);
  });
});

describe('line numbers', () => {
  // The same file with LF, CRLF and CR line ends must report the same lines.
  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('count blank lines and quoted line breaks alike with %s line ends', (_name, eol) => {
    const text = ['email,name', '', 'a@example.com,"two', 'lines"', '', '', 'bad-address,', 'c@example.com,C'].join(eol);
    const { rows } = parseSubscriberCsv(text);
    expect(rows.map((r) => [r.line, r.email])).toEqual([
      [3, 'a@example.com'],
      [7, 'bad-address'],
      [8, 'c@example.com'],
    ]);
  });
});
