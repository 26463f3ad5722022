import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/store/db.js';
import { addSubscriber, listSubscribers, type Subscriber } from '../../src/store/subscribers.js';
import { runCli, runCliAsync, type CliResult } from '../helpers/cli.js';
import { projectRoot, tempDir } from '../helpers/paths.js';

// Runs the compiled bin: run `npx tsc -p tsconfig.json` first (npm test does).
const NOW = '2026-01-05T09:00:00+09:00';
const NOW_ISO = '2026-01-05T00:00:00.000Z';

let dir: string;
let cleanup: () => void;
let dbFile: string;
let configFile: string;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('tayori-subscribers-cli-'));
  dbFile = path.join(dir, 'state/tayori.sqlite');
  configFile = path.join(dir, 'tayori.yaml');
  writeFileSync(configFile, 'site:\n  title: Test\n  url: https://example.com/\n  author: Tester\n');
});
afterEach(() => cleanup());

function tayori(args: string[], now = NOW): CliResult {
  return runCli(['subscribers', ...args, '--config', configFile, '--now', now], { cwd: dir, env: { TAYORI_DB: dbFile } });
}

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

function stored(): Subscriber[] {
  const db = openDb(dbFile);
  try {
    return listSubscribers(db);
  } finally {
    db.close();
  }
}

function counts(): Record<string, number> {
  const result = tayori(['count', '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, number>;
}

describe('tayori subscribers add / remove / list / count', () => {
  it('adds an active subscriber with name and categories, at the --now time, into TAYORI_DB', () => {
    const result = tayori(['add', 'Ann@Example.com', '--name', '山田 花子', '--categories', 'news, お知らせ']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('added Ann@example.com (active)');
    expect(stored()).toEqual([
      expect.objectContaining({
        email: 'Ann@example.com',
        name: '山田 花子',
        categories: ['news', 'お知らせ'],
        status: 'active',
        source: 'cli',
        createdAt: NOW_ISO,
        confirmedAt: NOW_ISO,
      }),
    ]);
  });

  it('refuses an invalid address with exit 2 and a reason, storing nothing', () => {
    const result = tayori(['add', 'ann.example.com']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"ann.example.com" is not a valid e-mail address: the address has no "@"');
    expect(tayori(['add', 'ann@localhost']).code).toBe(2);
    expect(counts().total).toBe(0);
  });

  it('treats a second add of the same address (any case) as a no-op', () => {
    tayori(['add', 'ann@example.com']);
    const again = tayori(['add', 'ANN@EXAMPLE.COM']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already subscribed');
    expect(counts()).toMatchObject({ total: 1, active: 1 });
  });

  it('add activates an address that signed up on the web but never confirmed', () => {
    const db = openDb(dbFile);
    addSubscriber(db, { email: 'web@example.com', source: 'web' }, new Date('2026-01-01T00:00:00Z'));
    db.close();
    const result = tayori(['add', 'web@example.com']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('web@example.com was pending, now active');
    expect(stored()).toEqual([expect.objectContaining({ status: 'active', source: 'web', confirmedAt: NOW_ISO })]);
  });

  it('remove keeps the row as unsubscribed; re-adding needs --force; unknown addresses exit 1', () => {
    tayori(['add', 'ann@example.com']);
    const removed = tayori(['remove', 'Ann@Example.com'], '2026-01-06T00:00:00Z');
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('removed ann@example.com');
    expect(stored()).toEqual([expect.objectContaining({ status: 'unsubscribed', unsubscribedAt: '2026-01-06T00:00:00.000Z' })]);

    expect(tayori(['remove', 'ann@example.com']).stdout).toContain('already unsubscribed');
    const unknown = tayori(['remove', 'nobody@example.com']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nobody@example.com is not on the list');
    expect(tayori(['remove', 'not-an-address']).code).toBe(2);

    const readd = tayori(['add', 'ann@example.com']);
    expect(readd.code).toBe(1);
    expect(readd.stderr).toContain('is unsubscribed; not re-activated. Pass --force');
    expect(stored()[0]?.status).toBe('unsubscribed');
    const forced = tayori(['add', 'ann@example.com', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(stored()[0]?.status).toBe('active');
  });

  it('lists as tab-separated lines or JSON, filters by status, never shows tokens', () => {
    tayori(['add', 'a@example.com', '--name', 'A "Quote"']);
    tayori(['add', 'b@example.com']);
    tayori(['remove', 'b@example.com']);
    const token = stored()[0]!.token;

    const text = tayori(['list']);
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toEqual([
      `a@example.com\tactive\tA "Quote"\t\tcli\t${NOW_ISO}`,
      `b@example.com\tunsubscribed\t\t\tcli\t${NOW_ISO}`,
    ]);
    const json = tayori(['list', '--json', '--status', 'unsubscribed']);
    const listed = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(listed.map((s) => s.email)).toEqual(['b@example.com']);
    expect(listed[0]).not.toHaveProperty('token');
    expect(text.stdout + json.stdout).not.toContain(token);

    const bad = tayori(['list', '--status', 'gone']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--status: got "gone", expected one of pending, active, unsubscribed, bounced, complained');
  });

  it('counts per status, as text and JSON', () => {
    tayori(['add', 'a@example.com']);
    tayori(['add', 'b@example.com']);
    tayori(['remove', 'b@example.com']);
    const text = tayori(['count']);
    expect(text.stdout).toBe('pending: 0\nactive: 1\nunsubscribed: 1\nbounced: 0\ncomplained: 0\ntotal: 2\n');
    expect(counts()).toEqual({ pending: 0, active: 1, unsubscribed: 1, bounced: 0, complained: 0, total: 2 });
  });

  it('never loads the mailer or the web server', () => {
    // A module hook records every file the real bin resolves (ESM and CommonJS alike).
    const log = path.join(dir, 'resolved.log');
    const hooks = file(
      'hooks.mjs',
      `import { appendFileSync } from 'node:fs';
       export async function resolve(specifier, context, next) {
         const result = await next(specifier, context);
         appendFileSync(${JSON.stringify(log)}, result.url + '\\n');
         return result;
       }`,
    );
    const register = file('register.mjs', `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const bin = path.join(projectRoot, 'bin/tayori.js');
    const run = (args: string[]) => {
      writeFileSync(log, '');
      const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, bin, 'subscribers', ...args, '--config', configFile], {
        cwd: dir,
        env: { ...process.env, TAYORI_DB: dbFile },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(log, 'utf8');
    };
    for (const args of [['add', 'a@example.com'], ['list'], ['count'], ['export', '-']]) {
      const resolved = run(args);
      expect(resolved).toContain('better-sqlite3'); // the hook sees the store being loaded...
      expect(resolved).not.toMatch(/node_modules\/(nodemailer|fastify|@fastify|liquidjs|marked)\//); // ...and nothing heavy
    }
  });
});

describe('tayori subscribers import / export', () => {
  const messy = [
    '\uFEFFemail,name,categories,status',
    '"quoted@example.com","Doe, Jane ""JD""",news,',
    'multi@example.com,"first line',
    'second line",,',
    '',
    '山田@例え.テスト,山田 太郎,"お知らせ,技術",active',
    'no-at-sign.example.com,Broken,,',
    'space in@example.com,Broken,,',
    'QUOTED@EXAMPLE.COM,Duplicate row,,',
    'weird@example.com,,,vip',
    '',
    'last@example.com,,,pending',
  ].join('\r\n');

  it('imports a messy CSV: reports bad rows by line and reason, stores the rest exactly', () => {
    const csv = file('messy.csv', messy);
    const result = tayori(['import', csv]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('added: 4, updated: 0, unchanged: 0, skipped: 4');
    expect(result.stderr.trim().split('\n')).toEqual([
      `${csv}:7: skipped: "no-at-sign.example.com": the address has no "@"`,
      `${csv}:8: skipped: "space in@example.com": the address contains a space or a control character`,
      `${csv}:9: skipped: QUOTED@example.com already appears on line 2`,
      `${csv}:10: skipped: unknown status "vip"; use one of pending, active, unsubscribed, bounced, complained`,
    ]);
    expect(stored().map((s) => [s.email, s.name, s.categories, s.status, s.source])).toEqual([
      ['quoted@example.com', 'Doe, Jane "JD"', ['news'], 'active', 'import'],
      ['multi@example.com', 'first line\r\nsecond line', [], 'active', 'import'],
      ['山田@例え.テスト', '山田 太郎', ['お知らせ', '技術'], 'active', 'import'],
      ['last@example.com', null, [], 'pending', 'import'],
    ]);
  });

  it('importing the same file twice changes nothing', () => {
    const csv = file('messy.csv', messy);
    tayori(['import', csv]);
    const before = stored();
    const again = tayori(['import', csv], '2026-02-01T00:00:00Z');
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('added: 0, updated: 0, unchanged: 4, skipped: 4');
    expect(stored()).toEqual(before);
  });

  it('does not re-activate unsubscribed or bounced people unless --force', () => {
    tayori(['add', 'left@example.com']);
    tayori(['remove', 'left@example.com']);
    const csv = file('list.csv', 'email,status\nleft@example.com,active\nbounced@example.com,bounced\n');
    tayori(['import', csv]);
    const bounceBack = file('again.csv', 'email,name\nbounced@example.com,Back\nleft@example.com,Left\n');
    const blocked = tayori(['import', bounceBack]);
    expect(blocked.stdout.trim()).toBe('added: 0, updated: 2, unchanged: 0, skipped: 0');
    expect(stored().map((s) => [s.email, s.status])).toEqual([
      ['left@example.com', 'unsubscribed'],
      ['bounced@example.com', 'bounced'],
    ]);
    const explicit = tayori(['import', csv]);
    expect(explicit.stderr).toContain('left@example.com is unsubscribed; not re-activated (use --force to override)');

    const forced = tayori(['import', csv, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout.trim()).toBe('added: 0, updated: 1, unchanged: 1, skipped: 0');
    expect(stored().map((s) => [s.email, s.status])).toEqual([
      ['left@example.com', 'active'],
      ['bounced@example.com', 'bounced'],
    ]);
  });

  it('exits 2 for a missing file, a file without an email column, or broken quoting, storing nothing', () => {
    const missing = tayori(['import', path.join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.csv: file not found');

    const noEmail = tayori(['import', file('no-email.csv', 'name,mail\nAnn,ann@example.com\n')]);
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toMatch(/no-email\.csv:1: the header row has no "email" column/);

    const broken = tayori(['import', file('broken.csv', 'email,name\na@example.com,"unclosed\n')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('broken.csv');
    expect(broken.stderr).toContain('not valid CSV');
    const semicolons = tayori(['import', file('semi.csv', 'email;name\na@example.com;A\n')]);
    expect(semicolons.code).toBe(2);
    expect(semicolons.stderr).toContain('separated by commas, not semicolons');
    expect(counts().total).toBe(0);
  });

  it('refuses UTF-16 and non-UTF-8 files instead of importing mangled names', () => {
    const utf16 = path.join(dir, 'utf16.csv');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email,name\na@example.com,山田\n', 'utf16le')]));
    const a = tayori(['import', utf16]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('utf16.csv: the file is UTF-16');

    const latin1 = path.join(dir, 'latin1.csv');
    writeFileSync(latin1, Buffer.from('email,name\njose@example.com,Jos\xe9\n', 'latin1'));
    const b = tayori(['import', latin1]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('latin1.csv: the file is not valid UTF-8');
    expect(counts().total).toBe(0);
  });

  it('export writes every field but the token; importing it into a fresh store round-trips', () => {
    tayori(['add', 'cli@example.com', '--name', 'Line one\nLine "two", too', '--categories', 'a,b']);
    tayori(['import', file('messy.csv', messy)], '2026-01-06T00:00:00Z');
    tayori(['remove', 'quoted@example.com'], '2026-01-07T00:00:00Z');
    const original = stored();

    const exportFile = path.join(dir, 'export.csv');
    const exported = tayori(['export', exportFile]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('exported 5 subscriber(s)');
    const text = readFileSync(exportFile, 'utf8');
    expect(text.split('\r\n')[0]).toBe('email,name,status,categories,source,created_at,confirmed_at,unsubscribed_at,updated_at');
    for (const s of original) expect(text).not.toContain(s.token);

    // A fresh store, a later clock: every field but id and token comes back as it was.
    dbFile = path.join(dir, 'fresh.sqlite');
    const imported = tayori(['import', exportFile], '2027-01-01T00:00:00Z');
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout.trim()).toBe('added: 5, updated: 0, unchanged: 0, skipped: 0');
    const strip = ({ id: _id, token: _token, ...rest }: Subscriber) => rest;
    expect(stored().map(strip)).toEqual(original.map(strip));
    const fresh = stored();
    expect(new Set(fresh.map((s) => s.token)).size).toBe(5);
    for (const s of fresh) expect(original.map((o) => o.token)).not.toContain(s.token);

    // And the second export is byte-identical to the first.
    const second = path.join(dir, 'export2.csv');
    tayori(['export', second]);
    expect(readFileSync(second, 'utf8')).toBe(text);
  });
});

describe('concurrent writers', () => {
  it('two processes importing and adding into one new file at once: no SQLITE_BUSY, nothing lost', async () => {
    const rowsA = ['email,name', ...Array.from({ length: 300 }, (_, i) => `a${i}@example.com,A ${i}`)].join('\n');
    const rowsB = ['email,name', ...Array.from({ length: 300 }, (_, i) => `b${i}@example.com,B ${i}`)].join('\n');
    const overlap = ['email', ...Array.from({ length: 100 }, (_, i) => `a${i}@example.com`)].join('\n');
    const args = (extra: string[]) => ['subscribers', ...extra, '--config', configFile, '--now', NOW];
    const env = { TAYORI_DB: dbFile };
    const results = await Promise.all([
      runCliAsync(args(['import', file('a.csv', rowsA)]), { cwd: dir, env }),
      runCliAsync(args(['import', file('b.csv', rowsB)]), { cwd: dir, env }),
      runCliAsync(args(['import', file('overlap.csv', overlap)]), { cwd: dir, env }),
      ...Array.from({ length: 4 }, (_, i) => runCliAsync(args(['add', `solo${i}@example.com`]), { cwd: dir, env })),
    ]);
    for (const r of results) {
      expect(r.stderr).not.toMatch(/SQLITE_BUSY|locked/i);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(counts().total).toBe(604);
  });

  it('two processes doing many small write transactions interleaved: every one commits', async () => {
    const script = file(
      'writer.mjs',
      `const { openDb } = await import(${JSON.stringify(path.join(projectRoot, 'dist/store/db.js'))});
       const store = await import(${JSON.stringify(path.join(projectRoot, 'dist/store/subscribers.js'))});
       const [prefix, file] = process.argv.slice(2);
       const db = openDb(file);
       const now = new Date('2026-01-05T00:00:00Z');
       for (let i = 0; i < 150; i++) {
         const { subscriber } = store.addSubscriber(db, { email: prefix + i + '@example.com', source: 'cli' }, now);
         if (i % 3 === 0) store.setSubscriberStatus(db, subscriber.id, 'unsubscribed', now);
         if (i % 10 === 0) store.importSubscribers(db, [{ line: 2, email: prefix + 'bulk' + i + '@example.com' }], { now });
       }
       db.close();
       process.stdout.write('done ' + prefix);`,
    );
    const run = (prefix: string) =>
      new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [script, prefix, dbFile], { cwd: dir });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, out }));
      });
    const [one, two] = await Promise.all([run('x'), run('y')]);
    expect(one.out).not.toMatch(/SQLITE_BUSY|locked/i);
    expect(two.out).not.toMatch(/SQLITE_BUSY|locked/i);
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(counts()).toMatchObject({ total: 330, unsubscribed: 100, active: 230 });
  });
});
