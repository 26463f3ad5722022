import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { OutgoingMessage } from '../mail/transport.js';
import { personalize, type RenderedDigest } from './render.js';

/** The RFC 8058 one-click URL for a subscriber's random token. */
export function unsubscribeUrl(siteUrl: string, token: string): string {
  return `${siteUrl}unsubscribe?token=${encodeURIComponent(token)}`;
}

export function siteHost(siteUrl: string): string {
  return new URL(siteUrl).hostname;
}

/** `<digest.example.com>`: RFC 2919 list identifier on the site's domain. */
export function listId(siteUrl: string): string {
  return `<digest.${siteHost(siteUrl)}>`;
}

/**
 * Deterministic per (digest, subscriber): a message sent twice (crash between send and record)
 * carries the same Message-ID, so the duplicate is traceable and many clients hide it.
 */
export function digestMessageId(siteUrl: string, digestKey: string, subscriberId: number): string {
  const digest = createHash('sha256').update(digestKey).digest('hex').slice(0, 12);
  return `<digest.${digest}.${subscriberId}@${siteHost(siteUrl)}>`;
}

/** One recipient's message: the variant's rendering with their unsubscribe link in body and headers. */
export function buildDigestMessage(
  config: Config,
  rendered: RenderedDigest,
  recipient: { email: string; token: string },
  messageId: string,
  date: Date,
): OutgoingMessage {
  const url = unsubscribeUrl(config.site.url, recipient.token);
  const body = personalize(rendered, url);
  return {
    from: config.digest.from,
    to: recipient.email,
    replyTo: config.digest.replyTo,
    subject: rendered.subject,
    text: body.text,
    html: body.html,
    messageId,
    date,
    headers: {
      'List-Id': listId(config.site.url),
      'List-Unsubscribe': `<${url}>`,
      // A plain header: nodemailer's `list` option would turn the value into a URL.
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
