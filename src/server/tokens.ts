/**
 * Shapes of tokens in links. A token that doesn't have the shape is answered without touching
 * the store. Unsubscribe tokens come from the subscribers store (random, URL-safe).
 */
export const UNSUBSCRIBE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

export function wellFormedToken(value: unknown): value is string {
  return typeof value === 'string' && UNSUBSCRIBE_TOKEN_PATTERN.test(value);
}
