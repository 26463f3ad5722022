import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { toolsDir } from './paths.js';

/**
 * Runs one of the independent checkers in ../shared/tools (installed by
 * ../shared/tools/install-checkers.sh, which .ci/run calls). Every checker prints one line per
 * problem and exits 0 only when its input is clean.
 */
export interface CheckResult {
  ok: boolean;
  code: number | null;
  output: string;
}

export function runChecker(tool: 'w3c-validate' | 'feed-read' | 'jsonfeed-check' | 'mail-check', args: string[]): CheckResult {
  const result = spawnSync(path.join(toolsDir, tool), args, { encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  const output = `${result.stdout}${result.stderr}`;
  return { ok: result.status === 0, code: result.status, output };
}

/** `w3c-validate` with the URL the feed is served at, so its rel="self" link is checked too. */
export function w3cValidate(file: string, servedAt?: string): CheckResult {
  return runChecker('w3c-validate', servedAt ? ['--base', servedAt, file] : [file]);
}

/** What feedparser (behind many real readers) sees in an RSS or Atom file. */
export function feedRead(file: string): { result: CheckResult; parsed: unknown } {
  const result = runChecker('feed-read', [file]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.output.slice(result.output.indexOf('{')));
  } catch {
    parsed = undefined;
  }
  return { result, parsed };
}

export function jsonFeedCheck(...files: string[]): CheckResult {
  return runChecker('jsonfeed-check', files);
}

export function mailCheck(dir: string, unsubMatch: 'exact' | 'path' | 'none' = 'exact'): CheckResult {
  return runChecker('mail-check', ['--unsub-match', unsubMatch, dir]);
}
