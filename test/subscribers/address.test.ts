import { describe, expect, it } from 'vitest';
import { normalizeAddress } from '../../src/subscribers/address.js';

function ok(input: string) {
  const result = normalizeAddress(input);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(input)} to be accepted, got: ${result.reason}`);
  return result;
}

function reason(input: string): string {
  const result = normalizeAddress(input);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be rejected, got ${result.email}`);
  return result.reason;
}

describe('normalizeAddress', () => {
  it('accepts ordinary addresses and trims surrounding whitespace', () => {
    expect(ok('reader@example.com')).toEqual({ ok: true, email: 'reader@example.com', key: 'reader@example.com' });
    expect(ok('  first.last+news@mail.example.co.jp \n').email).toBe('first.last+news@mail.example.co.jp');
    expect(ok("o'brien_{x}~!#$%&*=?^`|/-@example.org").ok).toBe(true);
  });

  it('keeps the local part as typed but compares case-insensitively', () => {
    const a = ok('Reader.One@Example.COM');
    const b = ok('reader.one@example.com');
    expect(a.email).toBe('Reader.One@example.com');
    expect(a.key).toBe(b.key);
  });

  it('accepts internationalized domains and gives Unicode and punycode spellings the same key', () => {
    const unicode = ok('taro@例え.テスト');
    expect(unicode.email).toBe('taro@例え.テスト');
    expect(unicode.key).toBe('taro@xn--r8jz45g.xn--zckzah');
    const puny = ok('TARO@XN--R8JZ45G.xn--zckzah');
    expect(puny.key).toBe(unicode.key);
    expect(puny.email).toBe('TARO@例え.テスト');
    expect(ok('Ann@Bücher.DE').key).toBe('ann@xn--bcher-kva.de');
  });

  it('accepts UTF-8 local parts (RFC 6531) and normalizes them to NFC', () => {
    expect(ok('山田太郎@example.jp').key).toBe('山田太郎@example.jp');
    // "é" typed as e + combining accent and as one code point is the same address.
    expect(ok('re\u0301sume\u0301@example.com').key).toBe(ok('r\u00e9sum\u00e9@example.com').key);
    expect(ok('JOSÉ@example.com').key).toBe('josé@example.com');
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['reader.example.com', 'no "@"'],
    ['@example.com', 'nothing before'],
    ['reader@', 'no domain'],
    ['a@b@example.com', 'more than one "@"'],
    ['read er@example.com', 'space'],
    ['reader@exa mple.com', 'space'],
    ['reader\u0000@example.com', 'control'],
    ['reader\u200b@example.com', 'control'],
    ['.reader@example.com', 'dot'],
    ['reader.@example.com', 'dot'],
    ['re..ader@example.com', '".."'],
    ['"quoted"@example.com', 'bare address'],
    ['Ann <ann@example.com>', 'space'],
    ['<ann@example.com>', 'bare address'],
    ['re(comment)ader@example.com', 'not allowed'],
    ['re,ader@example.com', 'not allowed'],
    ['reader@localhost', 'no dot'],
    ['reader@example.com.', 'ends with a dot'],
    ['reader@-example.com', 'invalid part'],
    ['reader@example-.com', 'invalid part'],
    ['reader@exa_mple.com', 'invalid part'],
    ['reader@example..com', 'invalid part'],
    ['reader@[192.168.0.1]', 'IP-address'],
    ['reader@192.168.0.1', 'IP address'],
    ['reader@xn--iñvalid.com', 'not a valid'],
    [`${'a'.repeat(65)}@example.com`, 'longer than 64'],
    [`${'あ'.repeat(22)}@example.com`, 'longer than 64'],
    [`reader@${'a'.repeat(64)}.com`, 'invalid part'],
    [`reader@${Array.from({ length: 50 }, () => 'abcd').join('.')}.com`, 'longer than'],
  ])('rejects %j (%s)', (input, why) => {
    expect(reason(input)).toContain(why);
  });

  it('accepts the longest legal local part and domain label', () => {
    expect(ok(`${'a'.repeat(64)}@${'b'.repeat(63)}.com`).ok).toBe(true);
  });
});
