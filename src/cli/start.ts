import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { runningClockFrom } from '../clock.js';
import { contextFrom, UsageError, withCommonOptions, type CommonOptions } from './common.js';

interface StartFlags extends CommonOptions {
  host?: string;
  port?: string;
}

/** How long shutdown may take before the process exits anyway (a stuck SMTP server). */
const SHUTDOWN_LIMIT_MS = 8_000;

function portFrom(value: string, where: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`${where}: got ${JSON.stringify(value)}, expected a port number from 0 to 65535`);
  return port;
}

export function registerStart(program: Command): void {
  withCommonOptions(
    program
      .command('start')
      .description('run the server: keep the feeds current, send the digest on schedule, serve feeds and subscribe pages'),
    { withOut: true },
  )
    .option('--host <host>', 'address to listen on (default: $HOST or server.host, 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free one (default: $PORT or server.port, 8080)')
    .action(async (flags: StartFlags) => {
      const context = contextFrom(flags);
      const { config } = context.loaded;
      const env = context.env;
      const host = flags.host ?? (env.HOST || config.server.host);
      const port = flags.port !== undefined ? portFrom(flags.port, '--port') : env.PORT ? portFrom(env.PORT, 'PORT') : config.server.port;
      // A long-running process: --now sets where the clock starts, then it runs.
      const clock = runningClockFrom(flags.now);

      const [{ formatEvent }, { openDb }, { createServer }, { Scheduler }, { cronMatcher }] = await Promise.all([
        import('../schedule/log.js'),
        import('../store/db.js'),
        import('../server/app.js'),
        import('../schedule/scheduler.js'),
        import('../schedule/due.js'),
      ]);
      try {
        cronMatcher(config.digest.schedule, config.site.timezone);
      } catch (error) {
        throw new UsageError(`${context.loaded.file}: ${(error as Error).message}`);
      }
      const json = !process.stdout.isTTY;
      const log = (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown> = {}) => {
        const line = formatEvent(level, event, fields, clock(), json);
        (level === 'info' ? process.stdout : process.stderr).write(line);
      };

      const [{ build, readConfigText }, { createMailer }, { sendDigestOnThread }, { loadPosts }, { PageContext }, { loadDigestTemplates }] = await Promise.all([
        import('../build/build.js'),
        import('../mail/transport.js'),
        import('../digest/send-thread.js'),
        import('../content/load.js'),
        import('../pages/render.js'),
        import('../digest/templates.js'),
      ]);

      const postsDir = context.resolve(config.paths.posts);
      // The watcher only sees a folder that exists; on a fresh machine, make the empty one.
      mkdirSync(postsDir, { recursive: true });
      const outDir = context.resolve(config.paths.output);
      const templatesDir = context.resolve(config.paths.templates);
      const cacheDir = context.resolve(config.paths.cache);
      const databaseFile = context.resolve(config.paths.database);
      const outboxDir = context.resolve(config.paths.outbox);
      // Config errors end start-up with exit 2, as `tayori build` and `tayori digest send` do:
      // a template syntax error found later would only be logged by every rebuild and, on the
      // digest's day, by the send. (SMTP_URL and DKIM_PRIVATE_KEY: createMailer, below.)
      if (config.site.pages) new PageContext(config, templatesDir);
      loadDigestTemplates(templatesDir, config.site.language, config.digest.subject);
      const db = openDb(databaseFile);
      const mailer = createMailer(config, env, outboxDir);

      const rebuild = async (signal: AbortSignal) => {
        const started = performance.now();
        const report = await build({
          signal,
          config,
          configText: readConfigText(context.loaded.file),
          postsDir,
          outDir,
          templatesDir,
          cacheDir,
          now: clock(),
        });
        if (!report.upToDate) {
          log('info', 'build', {
            published: report.published,
            skipped: report.skipped.length,
            problems: report.problems.length,
            written: report.written.length,
            removed: report.removed.length,
            ms: Math.round(performance.now() - started),
          });
        }
        if (!report.upToDate) for (const problem of report.problems) log('warn', 'build.problem', { file: problem.file, line: problem.line, message: problem.message, fix: problem.fix });
        return { nextChangeAt: report.nextChangeAt };
      };

      const scheduler = new Scheduler({
        config,
        db,
        clock,
        log,
        postsDir,
        rebuild,
        sendDigest: async (key, _due, signal) => {
          const now = clock();
          const { posts } = loadPosts(postsDir, config, now);
          // As `tayori digest send` does: on a thread with a bounded heap (digest/send-thread.ts).
          const job = { config, databaseFile, outboxDir, templatesDir, posts, now, key, env, resumeAbandoned: false };
          const { summary } = await sendDigestOnThread(job, { signal });
          return { ...summary } as Record<string, unknown>;
        },
      });

      // Listen for signals before anything can report "ready": a supervisor (or a test) may
      // send SIGTERM the moment it sees the listening line. A signal during the first build
      // ends start-up there: the port is never opened and no digest is looked at.
      let stopSignal: NodeJS.Signals | undefined;
      let requestStop: (signal: NodeJS.Signals) => void = () => {};
      const stopRequested = new Promise<NodeJS.Signals>((resolve) => (requestStop = resolve)).then((signal) => (stopSignal = signal));
      process.on('SIGINT', requestStop);
      process.on('SIGTERM', requestStop);

      const server = await createServer({ config, db, outDir, templatesDir, mailer, clock, log, trustProxy: config.server.trustProxy });
      // The first build before the port opens, so the first visitor finds the site.
      await Promise.race([scheduler.buildOnce(), stopRequested]);
      // Listening before the schedule starts: a port in use ends start-up before any digest goes out.
      try {
        if (!stopSignal) await server.app.listen({ host, port });
      } catch (error) {
        await Promise.all([scheduler.stop(), server.app.close()]);
        await mailer.close();
        db.close();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new UsageError(`${host}:${port} is in use; pass --port N (or PORT=N) for another port`, 1);
        throw error;
      }
      if (!stopSignal) {
        const address = server.app.server.address();
        const actualPort = typeof address === 'object' && address ? address.port : port;
        log('info', 'http.listening', { url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}/`, port: actualPort });
        // A catch-up digest runs in the background; a stop signal ends it.
        await scheduler.start();
      }

      const signal = await stopRequested;
      log('info', 'shutdown', { signal });
      const limit = setTimeout(() => {
        log('error', 'shutdown.timeout', { ms: SHUTDOWN_LIMIT_MS });
        process.exit(1);
      }, SHUTDOWN_LIMIT_MS);
      limit.unref();
      try {
        // Order: no new requests or ticks; let the message in flight finish; then the store.
        await Promise.all([server.app.close(), scheduler.stop()]);
        await server.drainMail();
        await mailer.close();
      } catch (error) {
        log('error', 'shutdown.error', { error: (error as Error).message });
      } finally {
        db.close();
        log('info', 'stopped', {});
      }
    });
}
