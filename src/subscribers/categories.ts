/**
 * A subscriber's category list: trimmed, de-duplicated, order kept, case kept (post categories
 * keep their case too). An empty list means "every post".
 */
export function cleanCategories(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    const name = value.trim();
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

/** `a, b;c` → ['a', 'b', 'c']: the form used by `--categories` and the CSV column. */
export function splitCategories(text: string): string[] {
  return cleanCategories(text.split(/[,;]/));
}
