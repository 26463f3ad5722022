import type { Config } from '../config/schema.js';
import type { Db } from '../store/db.js';
import { createConfirmation, hasRecentConfirmation } from '../store/confirmations.js';
import { addSubscriber, findSubscriberByEmail } from '../store/subscribers.js';
import { normalizeAddress } from '../subscribers/address.js';

/** What a mailer must offer: the same `send` as mail/transport's Mailer (the digest's transport). */
export interface MailSender {
  send(message: { from: string; to: string; subject: string; text: string; html: string; headers?: Record<string, string> }): Promise<{ messageId: string }>;
}

export interface SubscribePolicy {
  /** How long a confirmation link works. */
  confirmTtlMs: number;
  /** Repeated requests for one address within this window send no further mail. */
  resendWindowMs: number;
}

export const DEFAULT_SUBSCRIBE_POLICY: SubscribePolicy = { confirmTtlMs: 48 * 3600_000, resendWindowMs: 10 * 60_000 };

export type SubscribeDecision =
  | { action: 'invalid'; reason: string }
  /** Nothing to send (already active, bounced/complained, or a mail went out moments ago). */
  | { action: 'none'; why: 'active' | 'blocked' | 'recent' }
  | { action: 'mail'; to: string; token: string; subscriberId: number; created: boolean };

/**
 * The store side of `POST /subscribe`. The caller answers the same page whatever this
 * returns (except 'invalid', which only depends on what the visitor typed), so nobody can
 * probe who subscribes. A known unsubscribed address stays unsubscribed until it confirms.
 */
export function requestSubscription(
  db: Db,
  input: { email: string; name?: string },
  now: Date,
  policy: SubscribePolicy = DEFAULT_SUBSCRIBE_POLICY,
): SubscribeDecision {
  const address = normalizeAddress(input.email);
  if (!address.ok) return { action: 'invalid', reason: address.reason };
  return db.transaction((): SubscribeDecision => {
    const existing = findSubscriberByEmail(db, address.email);
    if (existing?.status === 'active') return { action: 'none', why: 'active' };
    if (existing && existing.status !== 'pending' && existing.status !== 'unsubscribed') return { action: 'none', why: 'blocked' };
    let subscriber = existing;
    let created = false;
    if (!subscriber) {
      const name = input.name?.trim() ? firstCharacters(input.name.trim(), 200) : undefined;
      const added = addSubscriber(db, { email: address.email, name, source: 'web', status: 'pending' }, now);
      subscriber = added.subscriber;
      created = added.created;
    }
    // Links sent before the subscriber last left are spent (confirmByToken): they don't count.
    const windowStart = new Date(Math.max(now.getTime() - policy.resendWindowMs, subscriber.unsubscribedAt ? Date.parse(subscriber.unsubscribedAt) : 0));
    if (hasRecentConfirmation(db, subscriber.id, windowStart)) {
      return { action: 'none', why: 'recent' };
    }
    const { token } = createConfirmation(db, subscriber.id, now, policy.confirmTtlMs);
    return { action: 'mail', to: subscriber.email, token, subscriberId: subscriber.id, created };
  }).immediate();
}

/**
 * At most `count` UTF-16 units of `text`, cut between characters as a reader sees them (an
 * emoji is never cut in half; a character piled with combining marks is left out whole).
 */
function firstCharacters(text: string, count: number): string {
  if (text.length <= count) return text;
  let out = '';
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)) {
    if (out.length + segment.length > count) break;
    out += segment;
  }
  return out;
}

export function confirmationUrl(config: Config, token: string): string {
  return `${config.site.url}confirm?token=${encodeURIComponent(token)}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The confirmation e-mail: plain text and a minimal HTML part, in the site's language. */
export function confirmationMessage(config: Config, to: string, token: string, ttlMs: number) {
  const url = confirmationUrl(config, token);
  const hours = Math.round(ttlMs / 3600_000);
  const ja = /^ja(-|$)/i.test(config.site.language);
  const subject = ja ? `【${config.site.title}】購読の確認` : `Confirm your subscription to ${config.site.title}`;
  const lines = ja
    ? [`「${config.site.title}」のメール購読のお申し込みを受け付けました。`, '下のリンクを開くと購読が始まります:', url, '', `リンクの有効期限は${hours}時間です。お申し込みに心当たりがない場合は、このメールを破棄してください。`]
    : [`Someone (hopefully you) asked to receive the weekly digest of ${config.site.title}.`, 'Open this link to confirm:', url, '', `The link works for ${hours} hours. If you did not ask for this, ignore this e-mail.`];
  const html = `<!DOCTYPE html><html lang="${escapeHtml(config.site.language)}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>${lines
    .filter((l) => l !== '')
    .map((l) => (l === url ? `<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>` : `<p>${escapeHtml(l)}</p>`))
    .join('')}</body></html>`;
  return { from: config.digest.from, to, subject, text: `${lines.join('\n')}\n`, html };
}
