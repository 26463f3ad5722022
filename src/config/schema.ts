import { isIP } from 'node:net';
import { z } from 'zod';

/** IANA zone names are checked against the runtime's own tz database. */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** What proxy-addr (Fastify's trustProxy) accepts as a trusted proxy: an address, a CIDR range or a named range. */
function isProxyAddress(entry: string): boolean {
  const value = entry.trim();
  if (['loopback', 'linklocal', 'uniquelocal'].includes(value)) return true;
  const [address = '', bits, ...rest] = value.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
}

const proxyAddresses = z
  .string()
  .min(1)
  .refine((list) => list.split(',').every(isProxyAddress), 'IP addresses or CIDR ranges (10.0.0.0/8), comma-separated, or loopback, linklocal, uniquelocal');

const absoluteHttpUrl = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      // (An empty `?` or `#` leaves search and hash '' but stays in href: checked on the text.)
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.host !== '' && !/[?#]/.test(url.href);
    } catch {
      return false;
    }
  }, 'an absolute http(s) URL without ?query or #fragment, such as https://example.com or https://example.com/blog')
  // As a URL is written on the wire (a Japanese path percent-encoded, an IDN host in punycode:
  // feed validators refuse an IRI in a feed's links and ids), with one trailing slash, so that
  // `new URL(path, url)` and string joins agree.
  .transform((value) => {
    const href = new URL(value).href;
    return href.endsWith('/') ? href : `${href}/`;
  });

const author = z.union(
  [
    z.string().min(1).transform((name) => ({ name })),
    z.object({ name: z.string().min(1), email: z.string().optional(), url: z.string().optional() }).strict(),
  ],
  { error: 'a name, or a mapping with name and optional email and url' },
);

export const configSchema = z
  .object({
    site: z
      .object({
        title: z.string().min(1),
        description: z.string().default(''),
        url: absoluteHttpUrl,
        language: z
          .string()
          .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag such as ja, en or en-GB')
          .default('en'),
        author: author,
        timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Asia/Tokyo or UTC').default('UTC'),
        /** Write one HTML page per post (turn off when Jekyll or Hugo builds the site). */
        pages: z.boolean().default(true),
      })
      .strict(),
    paths: z
      .object({
        posts: z.string().min(1).default('posts'),
        output: z.string().min(1).default('public'),
        outbox: z.string().min(1).default('outbox'),
        database: z.string().min(1).default('data/tayori.sqlite'),
        cache: z.string().min(1).default('.tayori-cache'),
        templates: z.string().min(1).default('templates'),
      })
      .strict()
      .default({
        posts: 'posts',
        output: 'public',
        outbox: 'outbox',
        database: 'data/tayori.sqlite',
        cache: '.tayori-cache',
        templates: 'templates',
      }),
    permalink: z
      .string()
      .refine((p) => p.startsWith('/'), 'a path pattern starting with /, such as /:year/:month/:day/:slug/')
      .default('/:year/:month/:day/:slug/'),
    feeds: z
      .object({
        items: z.number().int().min(1).max(1000).default(20),
        fullContent: z.boolean().default(true),
        perCategory: z.boolean().default(true),
        perTag: z.boolean().default(true),
      })
      .strict()
      .default({ items: 20, fullContent: true, perCategory: true, perTag: true }),
    digest: z
      .object({
        /** node-cron expression, evaluated in site.timezone. */
        schedule: z.string().default('0 9 * * 1'),
        /** How far back the very first digest looks, in days. */
        lookback: z.number().positive().default(7),
        /** How late a missed digest may still be sent after a restart, in hours. */
        catchUp: z.number().min(0).default(24),
        /** LiquidJS template; sees site, period and posts. Empty means the built-in default. */
        subject: z.string().default(''),
        from: z.string().min(3).default('tayori <newsletter@localhost>'),
        replyTo: z.string().optional(),
      })
      .strict()
      .default({ schedule: '0 9 * * 1', lookback: 7, catchUp: 24, subject: '', from: 'tayori <newsletter@localhost>' }),
    mail: z
      .object({
        /** SMTP connections in the pool (and so the bound on messages in flight). */
        connections: z.number().int().min(1).max(64).default(4),
        /** Messages per second across all connections; 0 means no limit. */
        rateLimit: z.number().min(0).default(0),
        /** Attempts after the first for a temporary (4xx) failure. */
        retries: z.number().int().min(0).max(20).default(3),
        /** First retry delay in seconds; doubles each attempt. */
        retryDelay: z.number().min(0).default(60),
        dkim: z
          .object({ selector: z.string().min(1), domain: z.string().min(1) })
          .strict()
          .optional(),
      })
      .strict()
      .default({ connections: 4, rateLimit: 0, retries: 3, retryDelay: 60 }),
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /**
         * Behind a reverse proxy you run: take the client address from X-Forwarded-For (rate
         * limits). `true` is one proxy; a number is that many; addresses or CIDR ranges name them.
         */
        trustProxy: z.union([z.boolean(), z.number().int().min(1), proxyAddresses, z.array(proxyAddresses).min(1)]).default(false),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080, trustProxy: false }),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
