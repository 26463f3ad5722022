import { existsSync, mkdirSync, statSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';
import fastifyCompress from '@fastify/compress';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { templateFile } from '../pages/engine.js';
import { confirmByToken, markConfirmationMailFailed } from '../store/confirmations.js';
import type { Db } from '../store/db.js';
import { findSubscriberByToken, unsubscribeByToken } from '../store/subscribers.js';
import type { EventLog } from '../schedule/log.js';
import { ConsistentFiles } from './consistent-files.js';
import { contentTypeFor, securityHeadersFor, variesOnAccept } from './headers.js';
import { NoticePages, siteRoot, type NoticeKind } from './pages.js';
import {
  confirmationMessage,
  DEFAULT_SUBSCRIBE_POLICY,
  requestSubscription,
  type MailSender,
  type SubscribePolicy,
} from './subscribe.js';
import { wellFormedToken } from './tokens.js';
import { normalizeAddress } from '../subscribers/address.js';

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
  /**
   * Honour X-Forwarded-For (only behind a reverse proxy you run): `true` trusts one proxy (the
   * address it appends, not what the client wrote before it), a number that many hops, a string
   * or list the proxies' addresses or CIDR ranges.
   */
  trustProxy?: boolean | number | string | string[];
}

export interface TayoriServer {
  app: FastifyInstance;
  /** Resolves when every subscribe request answered so far is stored and its mail handed to the mailer. */
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
  const root = siteRoot(config);
  const inFlight = new Set<Promise<void>>();
  mkdirSync(options.outDir, { recursive: true });

  const page = (reply: FastifyReply, status: number, kind: NoticeKind, extra: Parameters<NoticePages['render']>[1] = {}) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(pages.render(kind, extra));

  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 16 * 1024,
    // Fastify's `true` trusts every hop, so the client's own X-Forwarded-For entries would pick
    // its rate-limit key; one hop is the reverse proxy the option is for.
    trustProxy: trustedProxies(options.trustProxy ?? false),
    // A URL that can't be decoded: the error page (with the security headers), not Fastify's JSON.
    // (Hooks don't run for it, so it sets the security headers itself.)
    frameworkErrors: (_error, _request, reply) => page(reply.headers(securityHeadersFor('text/html')), 400, 'error'),
    // Requests Node's parser refuses (bad method, headers too large) never reach a route.
    clientErrorHandler: (error: Error & { code?: string }, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      // As Node does: nothing is written into a keep-alive answer already under way.
      const answering = (socket as typeof socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
      if (!socket.writable || answering?.headersSent) return void socket.destroy();
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const body = Buffer.from(pages.render('error'));
      const headers = { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, connection: 'close', ...securityHeadersFor('text/html') };
      const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n`), body]));
    },
  });

  // Every ETag here is weak (@fastify/send's W/"size-mtime"), and an If-Range entity tag must
  // match a strong one (RFC 9110, 13.1.5): with one, a Range request gets the whole file.
  app.addHook('onRequest', async (request) => {
    const ifRange = request.raw.headers['if-range'];
    if (typeof ifRange === 'string' && ifRange.includes('"')) delete request.raw.headers.range;
  });

  // Before compression (hooks run in the order they are added): it may swap the file stream.
  const files = new ConsistentFiles();
  app.addHook('onSend', async (_request, reply, payload) => files.check(reply, payload));

  app.addHook('onSend', async (_request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    reply.headers(securityHeadersFor(type));
    // Compressible answers vary on Accept-Encoding even when this one went out plain, so that a
    // shared cache never hands the plain copy's validators to a gzip client or the other way round.
    if (COMPRESSIBLE.test(type)) addVary(reply, 'accept-encoding');
    return payload;
  });

  app.setErrorHandler((error: Error & { statusCode?: number; headers?: Record<string, string> }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) log('error', 'http.error', { method: request.method, url: request.url.split('?')[0], error: error.message });
    // A 416 carries Content-Range: bytes */size (RFC 9110 15.5.17).
    if (error.headers) reply.headers(error.headers);
    // Body too large, bad content type, malformed form: the visitor's side.
    return page(reply, status >= 400 && status < 600 ? status : 500, status === 429 ? 'tooMany' : 'error');
  });

  app.setNotFoundHandler((request, reply) => {
    const pathname = request.url.split('?')[0]!;
    const reading = request.method === 'GET' || request.method === 'HEAD';
    // Without post pages (site.pages: false) there is no index.html: answer / with a small front page.
    if (reading && pathname === '/') return page(reply, 200, 'home', { form: true });
    // A resource that exists, asked with a method it doesn't take: 405 and what it does take.
    const allowed = ENDPOINT_METHODS[pathname] ?? (!reading && isServedFile(options.outDir, pathname) ? 'GET, HEAD' : undefined);
    if (allowed) return page(reply.header('allow', allowed), 405, 'error');
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
    setHeaders: (reply, file, stat) => {
      files.remember(reply, file, stat);
      const type = contentTypeFor(file, reply.request.headers.accept);
      if (type) reply.header('content-type', type);
      if (variesOnAccept(file)) addVary(reply, 'accept');
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
      const address = normalizeAddress(email.slice(0, 320));
      if (!address.ok) {
        return page(reply, 400, 'subscribeInvalid', { values: { value: email.slice(0, 320), reason: address.reason }, form: true });
      }
      // The answer goes out first; the store and the mail come after it. Known and new addresses
      // take different paths (a new one is written to disk and mailed), and the answer's timing
      // must not tell them apart.
      const work = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => subscribe(address.email, name))
        .catch((error: Error) => log('error', 'subscribe.failed', { error: error.message }))
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
      return page(reply, 200, 'subscribeSent');
    },
  );

  /** The store's side of a subscribe request, and the confirmation mail when one is due. */
  async function subscribe(email: string, name: string | undefined): Promise<void> {
    const decision = requestSubscription(db, { email, name }, clock(), policy);
    if (decision.action !== 'mail') {
      log('info', 'subscribe.no-mail', { why: decision.action === 'none' ? decision.why : 'invalid' });
      return;
    }
    try {
      const result = await options.mailer.send(confirmationMessage(config, decision.to, decision.token, policy.confirmTtlMs));
      log('info', 'subscribe.confirmation-sent', { subscriber: decision.subscriberId, messageId: result.messageId });
    } catch (error) {
      // Asking again sends a new link at once (not "sent moments ago"). This one stays valid:
      // the error may have come after the mail went out, and then the subscriber has it.
      markConfirmationMailFailed(db, decision.token, clock());
      log('error', 'subscribe.confirmation-failed', { subscriber: decision.subscriberId, error: (error as Error).message });
    }
  }

  app.get<{ Querystring: { token?: unknown } }>(
    '/confirm',
    // HEAD is what link checkers send: it must not confirm anyone.
    { exposeHeadRoute: false, config: { rateLimit: { max: 60, timeWindow: 60_000 } } },
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
    return page(reply, 200, 'unsubscribeAsk', { action: `${root}unsubscribe?token=${encodeURIComponent(token as string)}` });
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

/** Fastify's trustProxy, with `true` as one hop and a number as that many (proxy-addr's hop rule). */
function trustedProxies(setting: boolean | number | string | string[]): boolean | string | string[] | ((address: string, hop: number) => boolean) {
  if (setting === false || typeof setting === 'string' || Array.isArray(setting)) return setting;
  const hops = setting === true ? 1 : setting;
  return (_address, hop) => hop < hops;
}

/** The methods each of the server's own endpoints takes (HEAD /confirm is refused: see the route). */
const ENDPOINT_METHODS: Record<string, string> = { '/subscribe': 'POST', '/confirm': 'GET', '/unsubscribe': 'GET, HEAD, POST' };

/** True when GET `pathname` would send a file of the output folder (as @fastify/static serves it: no dot files, index.html for folders). */
function isServedFile(outDir: string, pathname: string): boolean {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  if (relative.includes('\0') || relative.split('/').some((part) => part.startsWith('.'))) return false;
  const root = path.resolve(outDir);
  const file = path.resolve(root, `.${relative}`);
  if (file !== root && !file.startsWith(root + path.sep)) return false;
  try {
    const stat = statSync(file, { throwIfNoEntry: false });
    return stat?.isFile() === true || (stat?.isDirectory() === true && existsSync(path.join(file, 'index.html')));
  } catch {
    return false; // ENOTDIR (a path through a file), ENAMETOOLONG: nothing is served there
  }
}

/** Types worth compressing (what @fastify/compress compresses by default, roughly). */
const COMPRESSIBLE = /^(text\/|application\/([\w.-]+\+)?(json|xml|javascript)\b|image\/svg\+xml)/;

function addVary(reply: FastifyReply, name: string): void {
  const current = String(reply.getHeader('vary') ?? '');
  const names = current.split(',').map((v) => v.trim().toLowerCase()).filter(Boolean);
  if (names.includes(name) || names.includes('*')) return;
  reply.header('vary', [...names, name].join(', '));
}
