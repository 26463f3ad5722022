import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import fastifyCompress from '@fastify/compress';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { templateFile } from '../pages/engine.js';
import { confirmByToken } from '../store/confirmations.js';
import type { Db } from '../store/db.js';
import { findSubscriberByToken, unsubscribeByToken } from '../store/subscribers.js';
import type { EventLog } from '../schedule/log.js';
import { contentSecurityPolicyFor, contentTypeFor, SECURITY_HEADERS, variesOnAccept } from './headers.js';
import { NoticePages, type NoticeKind } from './pages.js';
import {
  confirmationMessage,
  DEFAULT_SUBSCRIBE_POLICY,
  requestSubscription,
  type MailSender,
  type SubscribePolicy,
} from './subscribe.js';
import { wellFormedToken } from './tokens.js';

export type { EventLog } from '../schedule/log.js';

export interface ServerOptions {
  config: Config;
  db: Db;
  /** The output folder the build writes (feeds, pages). Created when missing. */
  outDir: string;
  templatesDir: string;
  /** The digest's transport; confirmation mails go through it too. */
  mailer: MailSender;
  clock: Clock;
  log?: EventLog;
  policy?: SubscribePolicy;
  /** Subscribe requests per client per minute (default 10). */
  subscribeRateLimit?: number;
  /** Request bodies larger than this are refused with 413 (default 16 KiB). */
  bodyLimit?: number;
  /** Honour X-Forwarded-For (only behind a reverse proxy you run). */
  trustProxy?: boolean;
}

export interface TayoriServer {
  app: FastifyInstance;
  /** Resolves when every confirmation mail started so far has been handed to the mailer. */
  drainMail(): Promise<void>;
}

/**
 * The HTTP side of `tayori start`: the output folder (feeds, pages) through @fastify/static
 * with ETag/Last-Modified/304 and compression, plus subscribe, confirm and unsubscribe.
 */
export async function createServer(options: ServerOptions): Promise<TayoriServer> {
  const { config, db, clock } = options;
  const log: EventLog = options.log ?? (() => {});
  const policy = options.policy ?? DEFAULT_SUBSCRIBE_POLICY;
  const pages = new NoticePages(config, options.templatesDir);
  const inFlight = new Set<Promise<void>>();
  mkdirSync(options.outDir, { recursive: true });

  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 16 * 1024,
    trustProxy: options.trustProxy ?? false,
  });

  const page = (reply: FastifyReply, status: number, kind: NoticeKind, extra: Parameters<NoticePages['render']>[1] = {}) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(pages.render(kind, extra));

  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    reply.header('content-security-policy', contentSecurityPolicyFor(String(reply.getHeader('content-type') ?? '')));
    return payload;
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) log('error', 'http.error', { method: request.method, url: request.url.split('?')[0], error: error.message });
    // Body too large, bad content type, malformed form: the visitor's side.
    return page(reply, status >= 400 && status < 600 ? status : 500, status === 429 ? 'tooMany' : 'error');
  });

  app.setNotFoundHandler((request, reply) => {
    // Without post pages (site.pages: false) there is no index.html: answer / with a small front page.
    if ((request.method === 'GET' || request.method === 'HEAD') && request.url.split('?')[0] === '/') {
      return page(reply, 200, 'home', { form: true });
    }
    return page(reply, 404, 'notFound');
  });

  await app.register(fastifyCompress, { global: true, threshold: 1024 });
  await app.register(fastifyFormbody, { bodyLimit: options.bodyLimit ?? 16 * 1024 });
  // RFC 8058 lets mail clients send the one-click body as multipart/form-data; the token is in
  // the URL, so the body is only read (size-limited) and not needed.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, (_request, body, done) => done(null, { raw: body }));
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => ({ statusCode: context.statusCode, error: 'Too Many Requests', message: 'rate limited' }),
  });

  await app.register(fastifyStatic, {
    root: path.resolve(options.outDir),
    prefix: '/',
    index: ['index.html'],
    redirect: true,
    etag: true,
    lastModified: true,
    cacheControl: true,
    maxAge: 0,
    // Leave dot files (atomic-write temporaries) alone.
    dotfiles: 'ignore',
    setHeaders: (reply, file) => {
      const type = contentTypeFor(file, reply.request.headers.accept);
      if (type) reply.header('content-type', type);
      if (variesOnAccept(file)) reply.header('vary', 'accept');
      // Revalidate every time: the build changes files in place, ETag makes it cheap.
      reply.header('cache-control', 'public, max-age=0, must-revalidate');
    },
  });

  // Without post pages the stylesheet of the server's own pages comes from the templates.
  if (!existsSync(path.join(options.outDir, 'site.css'))) {
    const css = templateFile(options.templatesDir, 'site.css');
    app.get('/site.css', (_request, reply) => reply.type('text/css; charset=utf-8').sendFile(path.basename(css), path.dirname(css)));
  }

  app.post<{ Body: unknown }>(
    '/subscribe',
    { config: { rateLimit: { max: options.subscribeRateLimit ?? 10, timeWindow: 60_000 } } },
    async (request, reply) => {
      const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
      const email = typeof body.email === 'string' ? body.email.trim() : '';
      const name = typeof body.name === 'string' ? body.name : undefined;
      // Honeypot filled: a bot. Answer like a success, store nothing.
      if (typeof body.website === 'string' && body.website !== '') return page(reply, 200, 'subscribeSent');
      const decision = requestSubscription(db, { email: email.slice(0, 320), name }, clock(), policy);
      if (decision.action === 'invalid') {
        return page(reply, 400, 'subscribeInvalid', { values: { value: email.slice(0, 320), reason: decision.reason }, form: true });
      }
      if (decision.action === 'mail') {
        // Sent after answering, so the answer's timing does not tell known from new addresses.
        const message = confirmationMessage(config, decision.to, decision.token, policy.confirmTtlMs);
        const sending = options.mailer
          .send(message)
          .then(
            (result) => log('info', 'subscribe.confirmation-sent', { subscriber: decision.subscriberId, messageId: result.messageId }),
            (error: Error) => log('error', 'subscribe.confirmation-failed', { subscriber: decision.subscriberId, error: error.message }),
          )
          .finally(() => inFlight.delete(sending));
        inFlight.add(sending);
      } else {
        log('info', 'subscribe.no-mail', { why: decision.why });
      }
      return page(reply, 200, 'subscribeSent');
    },
  );

  app.get<{ Querystring: { token?: unknown } }>(
    '/confirm',
    { config: { rateLimit: { max: 60, timeWindow: 60_000 } } },
    async (request, reply) => {
      const token = request.query.token;
      const result = typeof token === 'string' ? confirmByToken(db, token, clock()) : ({ outcome: 'unknown' } as const);
      if (result.outcome === 'confirmed') log('info', 'subscribe.confirmed', { subscriber: result.subscriberId });
      const kind = ({ confirmed: 'confirmDone', already: 'confirmAlready', expired: 'confirmExpired', unknown: 'confirmUnknown' } as const)[result.outcome];
      return page(reply, result.outcome === 'confirmed' || result.outcome === 'already' ? 200 : 400, kind);
    },
  );

  // GET only shows a button: link scanners follow GETs, and must not unsubscribe anyone.
  app.get<{ Querystring: { token?: unknown } }>('/unsubscribe', async (request, reply) => {
    const token = request.query.token;
    const subscriber = wellFormedToken(token) ? findSubscriberByToken(db, token) : undefined;
    if (!subscriber) return page(reply, 400, 'unsubscribeUnknown');
    if (subscriber.status !== 'active' && subscriber.status !== 'pending') return page(reply, 200, 'unsubscribeAlready');
    return page(reply, 200, 'unsubscribeAsk', { action: `/unsubscribe?token=${encodeURIComponent(token as string)}` });
  });

  // RFC 8058 one-click: the token in the URL is the whole request; no cookies, no script.
  app.post<{ Querystring: { token?: unknown } }>('/unsubscribe', async (request, reply) => {
    const token = request.query.token;
    if (!wellFormedToken(token)) return page(reply, 400, 'unsubscribeUnknown');
    const result = unsubscribeByToken(db, token, clock());
    if (result === 'unsubscribed') log('info', 'unsubscribe', { via: 'web' });
    const kind = ({ unsubscribed: 'unsubscribeDone', already: 'unsubscribeAlready', unknown: 'unsubscribeUnknown' } as const)[result];
    return page(reply, result === 'unknown' ? 400 : 200, kind);
  });

  return {
    app,
    async drainMail() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
