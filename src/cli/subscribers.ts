import type { Command } from 'commander';
import { contextFrom, UsageError, withCommonOptions, type CommonOptions, type CommandContext } from './common.js';

/**
 * `tayori subscribers add|remove|list|count|import|export`. Each action loads the store
 * lazily (better-sqlite3 only; never the mailer or the web server) and closes it before returning.
 */

const STATUSES = ['pending', 'active', 'unsubscribed', 'bounced', 'complained'] as const;
type Status = (typeof STATUSES)[number];

async function withStore<T>(context: CommandContext, work: (db: import('../store/db.js').Db) => T | Promise<T>): Promise<T> {
  const { openDb } = await import('../store/db.js');
  const db = openDb(context.resolve(context.loaded.config.paths.database));
  try {
    return await work(db);
  } finally {
    db.close();
  }
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

function parseStatus(value: string | undefined): Status | undefined {
  if (value === undefined) return undefined;
  const status = value.trim().toLowerCase();
  if (!(STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`--status: got ${JSON.stringify(value)}, expected one of ${STATUSES.join(', ')}`);
  }
  return status as Status;
}

/**
 * The file as UTF-8 text, refusing other encodings instead of importing mangled names:
 * spreadsheet programs often save "Unicode text" as UTF-16 or "CSV" in a legacy code page.
 */
function decodeUtf8(file: string, bytes: Buffer): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new UsageError(`${file}: the file is UTF-16; save it as "CSV UTF-8" and import again`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${file}: the file is not valid UTF-8 (perhaps Shift_JIS or Windows-1252); save it as "CSV UTF-8" and import again`);
  }
}

export function registerSubscribers(program: Command): void {
  const group = program.command('subscribers').description('manage the mailing list (stored in paths.database, default data/tayori.sqlite)');

  withCommonOptions(group.command('add').argument('<email>').description('add a subscriber, active at once (you vouch for them)'))
    .option('--name <name>', 'their name, used in greetings')
    .option('--categories <list>', 'only these categories, comma-separated (default: every post)')
    .option('--force', 're-activate an address that unsubscribed, bounced or complained')
    .action(async (email: string, flags: CommonOptions & { name?: string; categories?: string; force?: boolean }) => {
      const context = contextFrom(flags);
      const { normalizeAddress } = await import('../subscribers/address.js');
      const address = normalizeAddress(email);
      if (!address.ok) throw new UsageError(`${JSON.stringify(email)} is not a valid e-mail address: ${address.reason}`);
      const { splitCategories } = await import('../subscribers/categories.js');
      const store = await import('../store/subscribers.js');
      const now = context.clock();
      await withStore(context, (db) => {
        const { subscriber, created } = store.addSubscriber(
          db,
          { email: address.email, name: flags.name, categories: splitCategories(flags.categories ?? ''), source: 'cli', status: 'active' },
          now,
        );
        if (created) return out(`added ${subscriber.email} (active)`);
        if (subscriber.status === 'active') return out(`${subscriber.email} is already subscribed (active); nothing changed`);
        if (subscriber.status !== 'pending' && !flags.force) {
          throw new UsageError(`${subscriber.email} is ${subscriber.status}; not re-activated. Pass --force if they asked to come back`, 1);
        }
        store.setSubscriberStatus(db, subscriber.id, 'active', now);
        out(`${subscriber.email} was ${subscriber.status}, now active`);
      });
    });

  withCommonOptions(group.command('remove').argument('<email>').description('unsubscribe an address (the row is kept so an import cannot re-add it)')).action(
    async (email: string, flags: CommonOptions) => {
      const context = contextFrom(flags);
      const { normalizeAddress } = await import('../subscribers/address.js');
      const address = normalizeAddress(email);
      if (!address.ok) throw new UsageError(`${JSON.stringify(email)} is not a valid e-mail address: ${address.reason}`);
      const { unsubscribeByEmail } = await import('../store/subscribers.js');
      await withStore(context, (db) => {
        const { result, subscriber } = unsubscribeByEmail(db, address.email, context.clock());
        if (result === 'unknown') throw new UsageError(`${address.email} is not on the list; nothing to remove (see: tayori subscribers list)`, 1);
        if (result === 'already') return out(`${subscriber?.email} is already ${subscriber?.status}; nothing changed`);
        out(`removed ${subscriber?.email} (unsubscribed; kept on file so an import won't re-add them)`);
      });
    },
  );

  withCommonOptions(group.command('list').description('list subscribers, oldest first (the secret tokens are never shown)'))
    .option('--status <status>', `only this status: ${STATUSES.join(', ')}`)
    .option('--json', 'print a JSON array instead of tab-separated lines')
    .action(async (flags: CommonOptions & { status?: string; json?: boolean }) => {
      const context = contextFrom(flags);
      const status = parseStatus(flags.status);
      const { listSubscribers } = await import('../store/subscribers.js');
      await withStore(context, (db) => {
        const shown = listSubscribers(db, { status }).map(({ token: _secret, ...rest }) => rest);
        if (flags.json) return out(JSON.stringify(shown, null, 2));
        for (const s of shown) {
          // One line per subscriber: a newline or tab inside a name would break the columns.
          const name = (s.name ?? '').replace(/[\t\r\n]+/g, ' ');
          out([s.email, s.status, name, s.categories.join(','), s.source, s.createdAt].join('\t'));
        }
      });
    });

  withCommonOptions(group.command('count').description('number of subscribers per status'))
    .option('--json', 'print a JSON object')
    .action(async (flags: CommonOptions & { json?: boolean }) => {
      const context = contextFrom(flags);
      const { countSubscribers } = await import('../store/subscribers.js');
      await withStore(context, (db) => {
        const counts = countSubscribers(db);
        if (flags.json) return out(JSON.stringify(counts));
        for (const status of STATUSES) out(`${status}: ${counts[status]}`);
        out(`total: ${counts.total}`);
      });
    });

  withCommonOptions(group.command('import').argument('<file>', 'CSV with a header row naming at least "email"').description('add or update subscribers from a CSV file'))
    .option('--force', 're-activate people who unsubscribed, bounced or complained')
    .action(async (file: string, flags: CommonOptions & { force?: boolean }) => {
      const context = contextFrom(flags);
      const { readFileSync } = await import('node:fs');
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new UsageError(`${file}: ${code === 'ENOENT' ? 'file not found' : (error as Error).message}; give the path of a CSV file`);
      }
      const text = decodeUtf8(file, bytes);
      const { parseSubscriberCsv, CsvFormatError } = await import('../subscribers/csv.js');
      let parsed: ReturnType<typeof parseSubscriberCsv>;
      try {
        parsed = parseSubscriberCsv(text);
      } catch (error) {
        if (error instanceof CsvFormatError) throw new UsageError(`${file}${error.line ? `:${error.line}` : ''}: ${error.message}`);
        throw error;
      }
      const { importSubscribers } = await import('../store/subscribers.js');
      const result = await withStore(context, (db) => importSubscribers(db, parsed.rows, { force: flags.force, now: context.clock() }));
      if (parsed.ignoredColumns.length) process.stderr.write(`${file}: ignored column(s): ${parsed.ignoredColumns.join(', ')}\n`);
      const skipped = [...parsed.skipped, ...result.skipped].sort((a, b) => a.line - b.line);
      for (const { line, reason } of skipped) process.stderr.write(`${file}:${line}: skipped: ${reason}\n`);
      out(`added: ${result.added}, updated: ${result.updated}, unchanged: ${result.unchanged}, skipped: ${skipped.length}`);
    });

  withCommonOptions(group.command('export').argument('<file>', 'where to write the CSV ("-" for standard output)').description('write every subscriber (all fields but the secret token) as CSV')).action(
    async (file: string, flags: CommonOptions) => {
      const context = contextFrom(flags);
      const { iterateSubscribers } = await import('../store/subscribers.js');
      const { stringifySubscriberCsv } = await import('../subscribers/csv.js');
      const { text, count } = await withStore(context, (db) => {
        const rows = [...iterateSubscribers(db)];
        return { text: stringifySubscriberCsv(rows), count: rows.length };
      });
      if (file === '-') return void process.stdout.write(text);
      const { writeFileSync, renameSync } = await import('node:fs');
      // Write beside the target and rename, so an interrupted export never leaves half a file.
      const temp = `${file}.${process.pid}.tmp`;
      try {
        writeFileSync(temp, text);
        renameSync(temp, file);
      } catch (error) {
        throw new UsageError(`${file}: cannot write: ${(error as Error).message}`, 1);
      }
      out(`exported ${count} subscriber(s) to ${file}`);
    },
  );
}
