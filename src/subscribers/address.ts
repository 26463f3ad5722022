import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * E-mail address validation and the comparison key, pure.
 *
 * Accepted: a dot-atom local part (RFC 5322 atext, plus any non-ASCII character as RFC 6531
 * allows for internationalized mail) and a DNS domain, which may be internationalized (IDNA via
 * node:url's domainToASCII). Rejected on purpose: quoted local parts ("a b"@x), IP literals
 * ([1.2.3.4]), comments, display names ("Ann <a@x>") and single-label domains: all legal
 * somewhere, all far likelier to be typos or junk in a subscriber list.
 */
export type AddressResult = { ok: true; email: string; key: string } | { ok: false; reason: string };

// RFC 5322 atext, plus every non-ASCII code point (RFC 6531 UTF8-non-ascii).
const LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\u{10FFFF}-]+$/u;
const CONTROL_OR_SPACE = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

const encoder = new TextEncoder();
const ASCII_ONLY = /^[\x00-\x7f]*$/;

function byteLength(text: string): number {
  return ASCII_ONLY.test(text) ? text.length : encoder.encode(text).length;
}

/**
 * Checks an address and returns it in the form to store (`email`: local part as typed, NFC;
 * domain lower-cased in Unicode form) and the form to compare (`key`: local part lower-cased,
 * domain in ASCII/punycode). Two inputs with the same key are the same subscriber.
 */
export function normalizeAddress(input: string): AddressResult {
  const trimmed = input.trim().normalize('NFC');
  if (trimmed === '') return fail('the address is empty');
  if (CONTROL_OR_SPACE.test(trimmed)) return fail('the address contains a space or a control character');
  const at = trimmed.lastIndexOf('@');
  if (at === -1) return fail('the address has no "@"');
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1);
  if (local === '') return fail('nothing before the "@"');
  if (domain === '') return fail('no domain after the "@"');
  if (local.includes('@')) return fail('the address has more than one "@"');
  if (local.startsWith('"') || local.includes('<') || domain.includes('>')) {
    return fail('only a bare address is accepted (no quotes, no "Name <address>")');
  }
  if (byteLength(local) > 64) return fail('the part before the "@" is longer than 64 bytes');
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return fail('the part before the "@" may not start or end with a dot or contain ".."');
  }
  for (const atom of local.split('.')) {
    if (!LOCAL_ATOM.test(atom)) return fail(`the part before the "@" contains a character not allowed in an address (${JSON.stringify(local)})`);
  }

  const checkedDomain = checkDomainCached(domain);
  if (!checkedDomain.ok) return checkedDomain;
  const { ascii, unicode } = checkedDomain;
  const email = `${local}@${unicode}`;
  if (byteLength(local) + 1 + ascii.length > 254) return fail('the address is longer than 254 bytes');
  return { ok: true, email, key: `${local.toLowerCase()}@${ascii}` };
}

type DomainResult = { ok: true; ascii: string; unicode: string } | { ok: false; reason: string };

// Real lists repeat a few domains (gmail.com…) thousands of times; IDNA is the costly step.
const domainCache = new Map<string, DomainResult>();

function checkDomainCached(domain: string): DomainResult {
  let result = domainCache.get(domain);
  if (!result) {
    if (domainCache.size >= 10_000) domainCache.clear();
    result = checkDomain(domain);
    domainCache.set(domain, result);
  }
  return result;
}

function checkDomain(domain: string): DomainResult {
  if (domain.startsWith('[')) return fail('IP-address domains ([…]) are not accepted');
  if (domain.endsWith('.')) return fail(`the domain ${JSON.stringify(domain)} ends with a dot`);
  // domainToASCII lower-cases, maps full-width dots and applies IDNA; '' means it is not a valid name.
  const ascii = domainToASCII(domain);
  if (ascii === '') return fail(`the domain ${JSON.stringify(domain)} is not a valid (internationalized) domain name`);
  if (ascii.length > 253) return fail('the domain is longer than 253 characters');
  const labels = ascii.split('.');
  if (labels.length < 2) return fail(`the domain ${JSON.stringify(domain)} has no dot (e.g. example.com)`);
  for (const label of labels) {
    if (!DNS_LABEL.test(label)) {
      return fail(`the domain ${JSON.stringify(domain)} has an invalid part ${JSON.stringify(label)} (letters, digits and inner hyphens only)`);
    }
  }
  const tld = labels[labels.length - 1] ?? '';
  if (/^[0-9]+$/.test(tld)) return fail(`the domain ${JSON.stringify(domain)} looks like an IP address`);
  return { ok: true, ascii, unicode: domainToUnicode(ascii) };
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
