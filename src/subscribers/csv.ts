import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { splitCategories } from './categories.js';

/**
 * Subscriber CSV files, pure (text in, rows out and back). RFC 4180 quoting via csv-parse,
 * UTF-8 with or without a BOM, CRLF or LF, blank lines ignored. Line numbers are the line a
 * record starts on in the file (header = line 1), so a name with a newline in it doesn't shift
 * the numbers reported for later rows.
 */

export const SUBSCRIBER_STATUSES = ['pending', 'active', 'unsubscribed', 'bounced', 'complained'] as const;
export const SUBSCRIBER_SOURCES = ['cli', 'import', 'web'] as const;
type Status = (typeof SUBSCRIBER_STATUSES)[number];
type Source = (typeof SUBSCRIBER_SOURCES)[number];

/** One data row as read from the file; fields are undefined when the column is absent or the cell empty. */
export interface CsvSubscriberRow {
  line: number;
  email: string;
  name?: string;
  categories?: string[];
  status?: Status;
  source?: Source;
  createdAt?: string;
  confirmedAt?: string;
  unsubscribedAt?: string;
  updatedAt?: string;
}

export interface SkippedRow {
  line: number;
  reason: string;
}

export interface ParsedSubscriberCsv {
  rows: CsvSubscriberRow[];
  skipped: SkippedRow[];
  /** Header names tayori does not use (e.g. columns from another tool's export); ignored. */
  ignoredColumns: string[];
}

/** The whole file is unusable (no header, no email column, broken quoting). */
export class CsvFormatError extends Error {
  override name = 'CsvFormatError';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/** Column order of `export`; also every column `import` understands. */
export const CSV_COLUMNS = [
  'email',
  'name',
  'status',
  'categories',
  'source',
  'created_at',
  'confirmed_at',
  'unsubscribed_at',
  'updated_at',
] as const;
type Column = (typeof CSV_COLUMNS)[number];

const HEADER_ALIASES: Record<string, Column> = { 'e-mail': 'email', email_address: 'email', 'email address': 'email' };

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseSubscriberCsv(text: string): ParsedSubscriberCsv {
  let records: { record: string[]; raw: string }[];
  try {
    // `raw` (not `info`, which costs twice as much on 100k rows) is enough to number the lines.
    records = parse(text, {
      bom: true,
      raw: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as typeof records;
  } catch (error) {
    const { code, records: done, lines } = error as { code?: string; records?: number; lines?: number };
    const line = typeof done === 'number' ? lineAfterRecords(text, done) : typeof lines === 'number' ? lines : undefined;
    const hint = /QUOTE/.test(code ?? '') ? '; a " inside a field must be doubled (""), and a field with commas, quotes or line breaks quoted as a whole' : '';
    throw new CsvFormatError(`not valid CSV: ${(error as Error).message.replace(/ at line \d+/g, '')}${hint}`, line);
  }

  const lineOf = lineCounter();
  const header = records.shift();
  if (!header) throw new CsvFormatError('the file is empty; expected a header row such as "email,name,categories"', 1);
  const headerLine = lineOf(header.raw);
  const columns = new Map<Column, number>();
  const ignoredColumns: string[] = [];
  header.record.forEach((cell, index) => {
    const name = cell.trim().toLowerCase();
    const column = (CSV_COLUMNS as readonly string[]).includes(name) ? (name as Column) : HEADER_ALIASES[name];
    if (!column) {
      ignoredColumns.push(cell.trim());
      return;
    }
    if (columns.has(column)) throw new CsvFormatError(`the header names the column "${column}" twice`, headerLine);
    columns.set(column, index);
  });
  if (!columns.has('email')) {
    throw new CsvFormatError(
      `the header row has no "email" column (found: ${header.record.map((c) => JSON.stringify(c)).join(', ')}); the first line must name the columns, e.g. email,name,categories` +
        (header.record.length === 1 && /[;\t]/.test(header.record[0] ?? '') ? '; columns must be separated by commas, not semicolons or tabs' : ''),
      headerLine,
    );
  }

  const rows: CsvSubscriberRow[] = [];
  const skipped: SkippedRow[] = [];
  for (const entry of records) {
    const line = lineOf(entry.raw);
    // A line of only commas or spaces is a blank line to a person.
    if (entry.record.every((cell) => cell.trim() === '')) continue;
    const cell = (column: Column): string | undefined => {
      const index = columns.get(column);
      const value = index === undefined ? undefined : entry.record[index]?.trim();
      return value ? value : undefined;
    };
    const row = toRow(line, cell);
    if ('reason' in row) skipped.push(row);
    else rows.push(row);
  }
  return { rows, skipped, ignoredColumns };
}

function toRow(line: number, cell: (column: Column) => string | undefined): CsvSubscriberRow | SkippedRow {
  const email = cell('email');
  if (!email) return { line, reason: 'the email cell is empty' };
  const row: CsvSubscriberRow = { line, email };
  const name = cell('name');
  if (name) row.name = name;
  const categories = cell('categories');
  if (categories) row.categories = splitCategories(categories);
  const status = cell('status')?.toLowerCase();
  if (status) {
    if (!(SUBSCRIBER_STATUSES as readonly string[]).includes(status)) {
      return { line, reason: `unknown status ${JSON.stringify(status)}; use one of ${SUBSCRIBER_STATUSES.join(', ')}` };
    }
    row.status = status as Status;
  }
  const source = cell('source')?.toLowerCase();
  if (source) {
    if (!(SUBSCRIBER_SOURCES as readonly string[]).includes(source)) {
      return { line, reason: `unknown source ${JSON.stringify(source)}; use one of ${SUBSCRIBER_SOURCES.join(', ')}` };
    }
    row.source = source as Source;
  }
  const times: [Column, 'createdAt' | 'confirmedAt' | 'unsubscribedAt' | 'updatedAt'][] = [
    ['created_at', 'createdAt'],
    ['confirmed_at', 'confirmedAt'],
    ['unsubscribed_at', 'unsubscribedAt'],
    ['updated_at', 'updatedAt'],
  ];
  for (const [column, key] of times) {
    const value = cell(column);
    if (!value) continue;
    const time = new Date(value);
    if (!ISO_TIME.test(value) || Number.isNaN(time.getTime())) {
      return { line, reason: `${column} ${JSON.stringify(value)} is not an ISO 8601 time such as 2026-01-05T09:00:00Z` };
    }
    row[key] = time.toISOString();
  }
  return row;
}

/**
 * Numbers records by the line they start on. Each record's raw text carries the blank lines
 * skipped before it and its own line breaks, so a running count gives the position. csv-parse
 * shortens a CRLF record delimiter to one character in `raw` (a CRLF inside quotes stays
 * whole), so a line break is counted as \r\n, \r or \n. Must see every record, in order.
 */
function lineCounter(): (raw: string) => number {
  let next = 1;
  return (raw) => {
    const leading = /^(?:\r\n|\r|\n)*/.exec(raw)?.[0] ?? '';
    const start = next + countLineBreaks(leading);
    next += countLineBreaks(raw);
    return start;
  };
}

/**
 * The line where the record after the first `count` starts: where a syntax error's record begins
 * (csv-parse's own line is where it gave up, often the end of the file, and it counts a CRLF
 * inside quotes twice). Blank lines before that record are passed over.
 */
function lineAfterRecords(text: string, count: number): number {
  const good = count > 0 ? (parse(text, { bom: true, raw: true, skip_empty_lines: true, relax_column_count: true, to: count }) as unknown as { raw: string }[]) : [];
  let line = 1;
  for (const { raw } of good) line += countLineBreaks(raw);
  // (`raw` is not the text's length: csv-parse shortens a CRLF record delimiter in it.)
  const lines = text.split(/\r\n|\r|\n/);
  while (line < lines.length && lines[line - 1]!.trim() === '') line++;
  return line;
}

function countLineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

/** What `export` writes per subscriber: everything but the id and the secret token. */
export interface CsvExportRow {
  email: string;
  name: string | null;
  status: string;
  categories: string[];
  source: string;
  createdAt: string;
  confirmedAt: string | null;
  unsubscribedAt: string | null;
  updatedAt: string;
}

/** RFC 4180 text (CRLF line ends, quotes where needed), header first, UTF-8 without BOM. */
export function stringifySubscriberCsv(rows: Iterable<CsvExportRow>): string {
  const data: string[][] = [[...CSV_COLUMNS]];
  for (const r of rows) {
    data.push([
      r.email,
      r.name ?? '',
      r.status,
      r.categories.join(','),
      r.source,
      r.createdAt,
      r.confirmedAt ?? '',
      r.unsubscribedAt ?? '',
      r.updatedAt,
    ]);
  }
  return stringify(data, { record_delimiter: '\r\n' });
}
