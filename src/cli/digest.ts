import type { Command } from 'commander';
import { ConfigError } from '../config/error.js';
import type { Progress } from '../digest/run.js';
import { normalizeAddress } from '../subscribers/address.js';
import { contextFrom, existingPostsFolder, UsageError, withCommonOptions, type CommandContext, type CommonOptions } from './common.js';

interface PreviewFlags extends CommonOptions {
  out?: string;
}
interface SendFlags extends CommonOptions {
  dryRun?: boolean;
  to?: string;
}
interface StatusFlags extends CommonOptions {
  limit?: string;
}

/** Loads what every digest command needs; heavy modules only here, after the command is known. */
async function setup(context: CommandContext) {
  const [{ openDb }, { loadPosts, loadFull }, run] = await Promise.all([
    import('../store/db.js'),
    import('../content/load.js'),
    import('../digest/run.js'),
  ]);
  const { config } = context.loaded;
  const now = context.clock();
  const selection = loadPosts(existingPostsFolder(context), config, now);
  const db = openDb(context.resolve(config.paths.database));
  const templatesDir = context.resolve(config.paths.templates);
  return { config, now, posts: selection.posts, loadFull, db, templatesDir, run };
}

function fmtDate(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function registerDigest(program: Command): void {
  const digest = program.command('digest').description('preview, send and inspect the weekly e-mail digest');

  withCommonOptions(digest.command('preview').description('write the HTML and text of the digest that would go out now (no ledger change)'))
    .option('-o, --out <dir>', 'folder for digest-preview.html and digest-preview.txt', 'digest-preview')
    .action(async (flags: PreviewFlags) => {
      const context = contextFrom({ config: flags.config, posts: flags.posts, now: flags.now });
      const { config, now, posts, loadFull, db, templatesDir, run } = await setup(context);
      try {
        const draft = run.draftDigest(db, config, posts, now);
        if (draft.kind === 'none') {
          process.stdout.write(`No new posts since ${fmtDate(draft.period.start.toISOString())}: nothing to preview.\n`);
          return;
        }
        const renderer = new run.DigestRenderer(config, draft.posts, loadFull, draft.period, templatesDir);
        const rendered = renderer.forCategories([])!;
        const { personalize } = await import('../digest/render.js');
        const { unsubscribeUrl } = await import('../digest/message.js');
        const body = personalize(rendered, unsubscribeUrl(config.site.url, 'PREVIEW'));
        const { mkdirSync, writeFileSync } = await import('node:fs');
        const path = await import('node:path');
        const dir = path.resolve(flags.out ?? 'digest-preview');
        mkdirSync(dir, { recursive: true });
        const htmlFile = path.join(dir, 'digest-preview.html');
        const textFile = path.join(dir, 'digest-preview.txt');
        writeFileSync(htmlFile, body.html);
        writeFileSync(textFile, body.text);
        const what = draft.kind === 'unfinished' ? `unfinished digest #${draft.digest.id}` : 'next digest';
        process.stdout.write(`Subject: ${rendered.subject}\n${what}: ${draft.posts.length} post(s)\n${htmlFile}\n${textFile}\n`);
      } finally {
        db.close();
      }
    });

  withCommonOptions(digest.command('send').description('send the digest of new posts to every active subscriber (resumes an interrupted one first)'))
    .option('--dry-run', 'list who would get what; send nothing, change nothing')
    .option('--to <address>', 'send the current digest to one address as a test; the ledger is not changed')
    .action(async (flags: SendFlags) => {
      if (flags.dryRun && flags.to) throw new UsageError('--dry-run and --to do not go together; pick one');
      // One address, checked as `subscribers add` checks it: a list ("a@x, b@y") would mail the
      // test copy, with its dummy unsubscribe link, to every address in it.
      const testTo = flags.to === undefined ? undefined : normalizeAddress(flags.to);
      if (testTo && !testTo.ok) {
        throw new UsageError(`--to: ${JSON.stringify(flags.to)} is not one valid e-mail address: ${testTo.reason}; give a single address, e.g. --to you@example.com`);
      }
      const context = contextFrom({ config: flags.config, posts: flags.posts, now: flags.now });
      const { config, now, posts, loadFull, db, templatesDir, run } = await setup(context);
      try {
        if (flags.dryRun || testTo) {
          const draft = run.draftDigest(db, config, posts, now);
          if (draft.kind === 'none') {
            process.stdout.write(`No new posts since ${fmtDate(draft.period.start.toISOString())}: no digest to send.\n`);
            return;
          }
          const renderer = new run.DigestRenderer(config, draft.posts, loadFull, draft.period, templatesDir);
          if (flags.dryRun) {
            const { rows, resume } = run.planPreview(db, config, draft, renderer);
            const getting = rows.filter((r) => r.subject !== null);
            for (const row of rows) {
              const line = row.subject === null ? 'nothing (no post in their categories)' : `${row.posts} post(s): ${row.subject}`;
              process.stdout.write(`${row.recipient.email}\t${line}\n`);
            }
            if (resume) {
              process.stdout.write(
                `Dry run: the next send resumes unfinished digest #${resume.digestId} (${resume.sent} already sent): ${getting.length} of its ${resume.remaining} remaining ` +
                  `delivery(ies) would get it${resume.inactive ? `, ${resume.inactive} no longer active would be skipped` : ''} (${draft.posts.length} post(s), ${renderer.variantCount} variant(s)). Nothing sent.\n`,
              );
              return;
            }
            process.stdout.write(`Dry run: ${getting.length} of ${rows.length} active subscriber(s) would get the digest (${draft.posts.length} post(s), ${renderer.variantCount} variant(s)). Nothing sent.\n`);
            return;
          }
          const to = testTo!.email;
          const { createMailer, MailError } = await import('../mail/transport.js');
          const { buildDigestMessage } = await import('../digest/message.js');
          const { randomBytes } = await import('node:crypto');
          const mailer = createMailer(config, context.env, context.resolve(config.paths.outbox));
          try {
            const rendered = renderer.forCategories([])!;
            const host = new URL(config.site.url).hostname;
            const messageId = `<test.${randomBytes(8).toString('hex')}@${host}>`;
            const message = buildDigestMessage(config, rendered, { email: to, token: 'TEST-SEND' }, messageId, context.clock());
            let result: Awaited<ReturnType<typeof mailer.send>>;
            try {
              result = await mailer.send(message);
            } catch (error) {
              // The mail server's answer (unreachable, login or TLS refused…) is the whole story: no
              // stack trace. Exit 1, as for a real send that the server stops.
              if (error instanceof MailError) {
                const why = error.kind === 'unavailable' ? `the mail server is unreachable (${error.message}); check the host and port in SMTP_URL` : error.message;
                throw new UsageError(`test digest to ${to} not sent: ${why}`, 1);
              }
              throw error;
            }
            process.stdout.write(`Test digest sent to ${to} (${mailer.kind}): ${result.messageId} ${result.response}\nSubject: ${rendered.subject}\n`);
          } finally {
            await mailer.close();
          }
          return;
        }
        await realSend(context, { config, now, posts, loadFull, db, templatesDir, run });
      } finally {
        db.close();
      }
    });

  withCommonOptions(digest.command('status').description('recent digests with their delivery counts'))
    .option('-n, --limit <n>', 'how many digests to show', '10')
    .action(async (flags: StatusFlags) => {
      const limit = Number(flags.limit ?? 10);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit: got ${JSON.stringify(flags.limit)}, expected a whole number ≥ 1`);
      const context = contextFrom({ config: flags.config, posts: flags.posts, now: flags.now });
      const [{ openDb }, { listDigests }] = await Promise.all([import('../store/db.js'), import('../store/ledger.js')]);
      const db = openDb(context.resolve(context.loaded.config.paths.database));
      try {
        const digests = listDigests(db, limit);
        if (digests.length === 0) {
          process.stdout.write('No digest has been sent yet.\n');
          return;
        }
        for (const d of digests) {
          const c = d.counts;
          process.stdout.write(
            `#${d.id} ${(d.abandonedAt && d.status === 'sending' ? 'abandoned' : d.status).padEnd(9)} ${fmtDate(d.periodStart)} → ${fmtDate(d.periodEnd)}  posts ${d.postIds.length}  ` +
              `sent ${c.sent}  queued ${c.queued + c.sending}  failed ${c.failed}  skipped ${c.skipped}  ${d.subject}\n`,
          );
        }
      } finally {
        db.close();
      }
    });
}

async function realSend(context: CommandContext, s: Awaited<ReturnType<typeof setup>>): Promise<void> {
  const { sendDigestOnThread } = await import('../digest/send-thread.js');
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(130);
    process.stderr.write(`\n${signal}: finishing the messages in flight, then stopping (again to quit at once; the next run resumes)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const tty = process.stdout.isTTY === true;
  let bar: { start(total: number, value: number, payload?: object): void; update(value: number, payload?: object): void; stop(): void } | undefined;
  if (tty) {
    const progress = await import('cli-progress');
    bar = new progress.SingleBar(
      { format: 'sending [{bar}] {value}/{total} sent, {failed} failed, {queued} queued', hideCursor: true },
      progress.Presets.shades_classic,
    );
  }
  let lastStep = -1;
  let started = false;
  const onProgress = (p: Progress) => {
    const done = p.sent + p.failed + p.skipped;
    if (bar) {
      if (!started) bar.start(p.total, done, { failed: p.failed, queued: p.queued });
      started = true;
      bar.update(done, { failed: p.failed, queued: p.queued });
      return;
    }
    // Plain lines when not on a terminal: one per 10 % (and the first).
    const step = p.total === 0 ? 10 : Math.floor((done / p.total) * 10);
    if (step !== lastStep) {
      lastStep = step;
      process.stdout.write(`progress: ${done}/${p.total} done (sent ${p.sent}, failed ${p.failed}, skipped ${p.skipped}, queued ${p.queued})\n`);
    }
  };
  try {
    // On a thread of its own with a small young generation, so memory stays flat however long the list (send-thread.ts).
    const job = {
      config: s.config,
      databaseFile: context.resolve(s.config.paths.database),
      outboxDir: context.resolve(s.config.paths.outbox),
      templatesDir: s.templatesDir,
      posts: s.posts,
      now: s.now,
      env: context.env,
    };
    const { summary, mailer } = await sendDigestOnThread(job, { signal: controller.signal, onProgress });
    bar?.stop();
    if (summary.status === 'no-posts') {
      process.stdout.write(`No new posts since ${fmtDate(summary.periodStart!)}: no digest sent.\n`);
      return;
    }
    if (summary.status === 'no-subscribers') {
      process.stdout.write(`No active subscribers: nothing sent; the ${summary.posts} new post(s) wait for the next send.\n`);
      return;
    }
    if (summary.status === 'already-sent') {
      process.stdout.write(`Digest ${summary.key} was already sent (#${summary.digestId}); nothing to do.\n`);
      return;
    }
    const secs = summary.durationMs / 1000;
    const incomplete = summary.status === 'incomplete';
    // A run that stopped early must not open with "Sent": the first line says it is not finished.
    const heading = incomplete
      ? `Digest #${summary.digestId} not finished (${summary.resumed ? 'resumed, ' : ''}${summary.posts} post(s))`
      : `${summary.resumed ? 'Resumed' : 'Sent'} digest #${summary.digestId} (${summary.posts} post(s))`;
    process.stdout.write(
      `${heading}: ${summary.subject}\n` +
        (summary.recovered ? `recovered ${summary.recovered} delivery(ies) left in flight by an interrupted run\n` : '') +
        `sent ${summary.sent}, retried ${summary.retried}, failed ${summary.failed}, bounced ${summary.bounced}, skipped ${summary.skipped}, ` +
        `remaining ${summary.remaining}; ${secs.toFixed(1)} s, ${summary.perSecond.toFixed(1)} messages/s (${mailer})\n`,
    );
    if (incomplete) {
      // The reason names the cause and, for most, the fix and "rerun"; the others get the rerun here.
      const reason = summary.reason ?? 'stopped with deliveries still queued';
      const resume = reason.includes('tayori digest send') ? '' : '; rerun `tayori digest send` to resume';
      process.stderr.write(`tayori: digest #${summary.digestId} not finished, ${summary.remaining} still queued: ${reason}${resume}\n`);
      process.exitCode = 1;
    }
  } catch (error) {
    bar?.stop();
    if ((error as Error).name === 'SendLockedError') throw new UsageError((error as Error).message, 1);
    // SMTP_URL, DKIM or a template, found on the send thread: the same exit 2 and one line as in this one.
    if ((error as Error).name === 'ConfigError') throw new ConfigError((error as Error).message);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
