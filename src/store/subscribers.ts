import { randomBytes } from 'node:crypto';
import type { Db } from './db.js';
import { normalizeAddress } from '../subscribers/address.js';
import { cleanCategories } from '../subscribers/categories.js';
import type { CsvSubscriberRow, SkippedRow } from '../subscribers/csv.js';
import { SUBSCRIBER_INDEXES } from './migrations/001_subscribers.js';

/**
 * From this many new rows on (and at least a quarter of the table), an import rebuilds the
 * indexes instead of updating them row by row.
 */
const BULK_INSERT_ROWS = 10_000;
/** Rows per multi-row INSERT (50 × 11 parameters, well under SQLite's limit of 32,766). */
const INSERT_BATCH_ROWS = 50;

/**
 * Every SQL statement about subscribers lives here, so moving to PostgreSQL means rewriting
 * this file only. The SQL is kept portable: plain types, ISO 8601 text timestamps,
 * `INSERT … ON CONFLICT … DO NOTHING`, no SQLite-only functions.
 */

export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'bounced' | 'complained';
export type SubscriberSource = 'cli' | 'import' | 'web';

export interface Subscriber {
  id: number;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  /** Categories they want; empty = every post. */
  categories: string[];
  source: SubscriberSource;
  /** Secret for unsubscribe links: random, never derived from the address. */
  token: string;
  createdAt: string;
  confirmedAt: string | null;
  unsubscribedAt: string | null;
  updatedAt: string;
}

export const SUBSCRIBER_STATUS_LIST: readonly SubscriberStatus[] = ['pending', 'active', 'unsubscribed', 'bounced', 'complained'];

/** Statuses an import (or `add`) must not undo without --force: the person left or the mail can't go there. */
const PROTECTED: ReadonlySet<SubscriberStatus> = new Set(['unsubscribed', 'bounced', 'complained']);

/** The address given to the store is not a usable e-mail address. */
export class InvalidAddressError extends Error {
  override name = 'InvalidAddressError';
  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super(`${JSON.stringify(address)} is not a valid e-mail address: ${reason}`);
  }
}

/** 24 random bytes = 192 bits, 32 base64url characters. */
export function newSubscriberToken(): string {
  return randomBytes(24).toString('base64url');
}

interface SubscriberRow {
  id: number;
  email: string;
  email_key: string;
  name: string | null;
  status: SubscriberStatus;
  categories: string;
  source: SubscriberSource;
  token: string;
  created_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  updated_at: string;
}

function fromRow(row: SubscriberRow): Subscriber {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    categories: parseCategories(row.categories),
    source: row.source,
    token: row.token,
    createdAt: row.created_at,
    confirmedAt: row.confirmed_at,
    unsubscribedAt: row.unsubscribed_at,
    updatedAt: row.updated_at,
  };
}

function parseCategories(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const COLUMNS = 'id, email, email_key, name, status, categories, source, token, created_at, confirmed_at, unsubscribed_at, updated_at';

const INSERT_SQL = `
  INSERT INTO subscribers (email, email_key, name, status, categories, source, token, created_at, confirmed_at, unsubscribed_at, updated_at)
  VALUES (@email, @email_key, @name, @status, @categories, @source, @token, @created_at, @confirmed_at, @unsubscribed_at, @updated_at)
  ON CONFLICT (email_key) DO NOTHING`;

/**
 * Adds a subscriber, or returns the existing one unchanged (`created: false`) when the address
 * (compared case-insensitively, IDNA-aware) is already known, whatever its status.
 * Default status: `pending` for the web (double opt-in), `active` otherwise (the operator vouches).
 */
export function addSubscriber(
  db: Db,
  input: { email: string; name?: string | null; categories?: string[]; source: SubscriberSource; status?: SubscriberStatus },
  now: Date,
): { subscriber: Subscriber; created: boolean } {
  const address = normalizeAddress(input.email);
  if (!address.ok) throw new InvalidAddressError(input.email, address.reason);
  const status = input.status ?? (input.source === 'web' ? 'pending' : 'active');
  const at = now.toISOString();
  const name = input.name?.trim() ? input.name.trim() : null;
  return db.transaction(() => {
    const result = db.prepare(INSERT_SQL).run({
      email: address.email,
      email_key: address.key,
      name,
      status,
      categories: JSON.stringify(cleanCategories(input.categories ?? [])),
      source: input.source,
      token: newSubscriberToken(),
      created_at: at,
      confirmed_at: status === 'active' ? at : null,
      unsubscribed_at: status === 'unsubscribed' ? at : null,
      updated_at: at,
    });
    const row = db.prepare(`SELECT ${COLUMNS} FROM subscribers WHERE email_key = ?`).get(address.key) as SubscriberRow;
    return { subscriber: fromRow(row), created: result.changes === 1 };
  }).immediate();
}

/** Looks an address up in any spelling (case, Unicode or punycode domain); undefined if invalid or unknown. */
export function findSubscriberByEmail(db: Db, email: string): Subscriber | undefined {
  const address = normalizeAddress(email);
  if (!address.ok) return undefined;
  const row = db.prepare(`SELECT ${COLUMNS} FROM subscribers WHERE email_key = ?`).get(address.key) as SubscriberRow | undefined;
  return row && fromRow(row);
}

export function findSubscriberByToken(db: Db, token: string): Subscriber | undefined {
  if (!token) return undefined;
  const row = db.prepare(`SELECT ${COLUMNS} FROM subscribers WHERE token = ?`).get(token) as SubscriberRow | undefined;
  return row && fromRow(row);
}

export function findSubscriberById(db: Db, id: number): Subscriber | undefined {
  const row = db.prepare(`SELECT ${COLUMNS} FROM subscribers WHERE id = ?`).get(id) as SubscriberRow | undefined;
  return row && fromRow(row);
}

/**
 * Moves a subscriber to `status`. Entering `active` stamps confirmed_at, entering
 * `unsubscribed` stamps unsubscribed_at; setting the status it already has changes nothing.
 */
export function setSubscriberStatus(db: Db, id: number, status: SubscriberStatus, now: Date): void {
  const at = now.toISOString();
  db.prepare(
    `UPDATE subscribers SET
       status = @status,
       confirmed_at = CASE WHEN @status = 'active' THEN @at ELSE confirmed_at END,
       unsubscribed_at = CASE WHEN @status = 'unsubscribed' THEN @at ELSE unsubscribed_at END,
       updated_at = @at
     WHERE id = @id AND status <> @status`,
  ).run({ id, status, at });
}

/**
 * The one-click unsubscribe. 'already' when the subscriber gets no mail anyway
 * (unsubscribed, bounced, complained: those statuses are kept as they are).
 */
export function unsubscribeByToken(db: Db, token: string, now: Date): 'unsubscribed' | 'already' | 'unknown' {
  return db.transaction(() => {
    const subscriber = findSubscriberByToken(db, token);
    if (!subscriber) return 'unknown' as const;
    if (PROTECTED.has(subscriber.status)) return 'already' as const;
    setSubscriberStatus(db, subscriber.id, 'unsubscribed', now);
    return 'unsubscribed' as const;
  }).immediate();
}

/**
 * `tayori subscribers remove`: marks the address unsubscribed and keeps the row, so a later
 * import of an old list can't silently sign them up again.
 */
export function unsubscribeByEmail(db: Db, email: string, now: Date): { result: 'unsubscribed' | 'already' | 'unknown'; subscriber?: Subscriber } {
  return db.transaction(() => {
    const subscriber = findSubscriberByEmail(db, email);
    if (!subscriber) return { result: 'unknown' as const };
    if (PROTECTED.has(subscriber.status)) return { result: 'already' as const, subscriber };
    setSubscriberStatus(db, subscriber.id, 'unsubscribed', now);
    return { result: 'unsubscribed' as const, subscriber: findSubscriberById(db, subscriber.id) };
  }).immediate();
}

/** All subscribers (optionally of one status), oldest first. */
export function listSubscribers(db: Db, filter: { status?: SubscriberStatus } = {}): Subscriber[] {
  const rows = (
    filter.status
      ? db.prepare(`SELECT ${COLUMNS} FROM subscribers WHERE status = ? ORDER BY id`).all(filter.status)
      : db.prepare(`SELECT ${COLUMNS} FROM subscribers ORDER BY id`).all()
  ) as SubscriberRow[];
  return rows.map(fromRow);
}

/** Same as listSubscribers, one row at a time (export of a large list without holding it all). */
export function* iterateSubscribers(db: Db): Generator<Subscriber> {
  for (const row of db.prepare(`SELECT ${COLUMNS} FROM subscribers ORDER BY id`).iterate() as Iterable<SubscriberRow>) {
    yield fromRow(row);
  }
}

export function countSubscribers(db: Db): Record<SubscriberStatus, number> & { total: number } {
  const counts = { pending: 0, active: 0, unsubscribed: 0, bounced: 0, complained: 0, total: 0 };
  const rows = db.prepare('SELECT status, COUNT(*) AS n FROM subscribers GROUP BY status').all() as { status: SubscriberStatus; n: number }[];
  for (const { status, n } of rows) {
    counts[status] = n;
    counts.total += n;
  }
  return counts;
}

export interface ImportResult {
  added: number;
  updated: number;
  unchanged: number;
  /** Rows not applied, with the file line and why (bad address, duplicate, protected status). */
  skipped: SkippedRow[];
}

/**
 * Applies parsed CSV rows in ONE immediate transaction: all or nothing, and another process
 * waits (busy_timeout) rather than interleaving. Existing keys are loaded into a Map first, so
 * each row costs one prepared INSERT or UPDATE and no SELECT round trip.
 *
 * Per row: a new address is inserted (status from the file, default active; timestamps from the
 * file when present, so export → import restores a list). A known address gets the file's name,
 * categories and status where those cells are filled; empty cells keep what is stored. People
 * who unsubscribed, bounced or complained are left untouched unless `force` (then they become
 * the file's status, default active). The same address twice in a file: the first row wins.
 * Importing the same file twice therefore changes nothing the second time.
 */
export function importSubscribers(
  db: Db,
  rows: readonly CsvSubscriberRow[],
  options: { force?: boolean; now: Date },
): ImportResult {
  const at = options.now.toISOString();
  const result: ImportResult = { added: 0, updated: 0, unchanged: 0, skipped: [] };
  // Positional parameters: binding 11 named ones costs about a third more per row at 100k rows.
  // No ON CONFLICT needed: every key in the file was checked against `known` under the write lock.
  const insertSql = (rowCount: number) =>
    `INSERT INTO subscribers (email, email_key, name, status, categories, source, token, created_at, confirmed_at, unsubscribed_at, updated_at)
     VALUES ${Array.from({ length: rowCount }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
  const update = db.prepare(
    `UPDATE subscribers SET name = @name, categories = @categories, status = @status,
       confirmed_at = @confirmed_at, unsubscribed_at = @unsubscribed_at, updated_at = @updated_at
     WHERE id = @id`,
  );
  const tokens = tokenSource();

  db.transaction(() => {
    type Known = Pick<SubscriberRow, 'id' | 'name' | 'status' | 'categories' | 'confirmed_at' | 'unsubscribed_at'>;
    const known = new Map<string, Known>();
    for (const row of db.prepare('SELECT id, email_key, name, status, categories, confirmed_at, unsubscribed_at FROM subscribers').all() as SubscriberRow[]) {
      known.set(row.email_key, row);
    }
    // One row per address: the first, unless a later one says the address left (unsubscribed,
    // bounced, complained) and the first doesn't; an import must never drop an unsubscribe.
    // (A later row that wins takes the name and categories of the first where it has none.)
    const addresses = rows.map((row) => normalizeAddress(row.email));
    const chosen = new Map<string, number>();
    const firstOf = new Map<string, number>();
    addresses.forEach((address, i) => {
      if (!address.ok) return;
      const first = chosen.get(address.key);
      if (first === undefined) firstOf.set(address.key, i);
      if (first === undefined || (!PROTECTED.has(rows[first]!.status ?? 'active') && PROTECTED.has(rows[i]!.status ?? 'active'))) chosen.set(address.key, i);
    });
    const inserts: (string | null)[][] = [];

    for (const [i, listed] of rows.entries()) {
      const address = addresses[i]!;
      const earlier = address.ok ? rows[firstOf.get(address.key)!]! : listed;
      const row = { ...listed, name: listed.name ?? earlier.name, categories: listed.categories ?? earlier.categories };
      if (!address.ok) {
        result.skipped.push({ line: row.line, reason: `${JSON.stringify(row.email)}: ${address.reason}` });
        continue;
      }
      const keptAt = chosen.get(address.key)!;
      if (keptAt !== i) {
        const kept = rows[keptAt]!;
        result.skipped.push({
          line: row.line,
          reason: keptAt < i ? `${address.email} already appears on line ${kept.line}` : `${address.email} appears again on line ${kept.line} as ${kept.status}, which is kept`,
        });
        continue;
      }

      const existing = known.get(address.key);
      if (!existing) {
        const status = row.status ?? 'active';
        inserts.push([
          address.email,
          address.key,
          row.name ?? null,
          status,
          row.categories?.length ? JSON.stringify(row.categories) : '[]',
          row.source ?? 'import',
          tokens(),
          row.createdAt ?? at,
          row.confirmedAt ?? (status === 'active' ? at : null),
          row.unsubscribedAt ?? (status === 'unsubscribed' ? at : null),
          row.updatedAt ?? at,
        ]);
        result.added++;
        continue;
      }

      let status = row.status ?? existing.status;
      // Bringing back someone who left or whose mail fails needs --force; moving them between
      // those statuses (an unsubscribed address that now bounces) does not.
      if (PROTECTED.has(existing.status) && !PROTECTED.has(status) && !options.force) {
        result.skipped.push({
          line: row.line,
          reason: `${address.email} is ${existing.status}; not re-activated (use --force to override)`,
        });
        continue;
      }
      if (options.force && PROTECTED.has(existing.status) && row.status === undefined) status = 'active';
      const name = row.name ?? existing.name;
      const categories = row.categories ? JSON.stringify(row.categories) : existing.categories;
      if (status === existing.status && name === existing.name && categories === existing.categories) {
        result.unchanged++;
        continue;
      }
      const next = {
        id: existing.id,
        name,
        categories,
        status,
        confirmed_at: status === 'active' && existing.status !== 'active' ? at : existing.confirmed_at,
        unsubscribed_at: status === 'unsubscribed' && existing.status !== 'unsubscribed' ? at : existing.unsubscribed_at,
        updated_at: at,
      };
      update.run(next);
      known.set(address.key, next);
      result.updated++;
    }

    // Inside the transaction: other connections never see the table without its indexes, and
    // rebuilding the UNIQUE indexes re-checks every key (a failure rolls everything back).
    // Only when the new rows are a good share of the table: rebuilding costs the whole table.
    const bulk = inserts.length >= BULK_INSERT_ROWS && inserts.length * 4 >= known.size;
    if (bulk) db.exec(SUBSCRIBER_INDEXES.drop);
    // Many rows per statement: each run() crosses into native code once, not once per row.
    let next = 0;
    if (inserts.length >= INSERT_BATCH_ROWS) {
      const insertBatch = db.prepare(insertSql(INSERT_BATCH_ROWS));
      for (; next + INSERT_BATCH_ROWS <= inserts.length; next += INSERT_BATCH_ROWS) {
        insertBatch.run(inserts.slice(next, next + INSERT_BATCH_ROWS).flat());
      }
    }
    const insertOne = db.prepare(insertSql(1));
    for (; next < inserts.length; next++) insertOne.run(inserts[next]);
    if (bulk) db.exec(SUBSCRIBER_INDEXES.create);
  }).immediate();
  return result;
}

/** Tokens for a bulk insert: one randomBytes call per 1,024 tokens instead of one per row. */
function tokenSource(): () => string {
  const size = 24;
  let pool = Buffer.alloc(0);
  let offset = 0;
  return () => {
    if (offset + size > pool.length) {
      pool = randomBytes(size * 1024);
      offset = 0;
    }
    const token = pool.subarray(offset, offset + size).toString('base64url');
    offset += size;
    return token;
  };
}
