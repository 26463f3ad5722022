import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from './error.js';
import { configSchema, type Config } from './schema.js';

export type { Config } from './schema.js';
export { ConfigError } from './error.js';

export const DEFAULT_CONFIG_PATH = 'config/tayori.yaml';

/** Overrides from CLI flags; they win over the file. */
export interface ConfigOverrides {
  posts?: string;
  output?: string;
}

/** Config plus where it came from; relative paths in it are resolved against `root`. */
export interface LoadedConfig {
  config: Config;
  file: string;
  /** Folder that relative paths in the config are resolved against (the working directory). */
  root: string;
}

function valueAt(input: unknown, keys: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Validates a parsed config object once, at the edge. Every problem names the key, the value
 * found and what is expected, e.g. `site.url: got "example.com", expected an absolute http(s) URL`.
 */
export function parseConfig(input: unknown, file = DEFAULT_CONFIG_PATH): Config {
  const result = configSchema.safeParse(input ?? {});
  if (result.success) return Object.freeze(result.data) as Config;
  const lines = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return `${key === '(top level)' ? '' : `${key}: `}unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; check the spelling against the README's config reference`;
    }
    const got = valueAt(input, issue.path);
    const shown = got === undefined ? 'nothing' : JSON.stringify(got);
    const expected =
      issue.code === 'invalid_type' ? `a value of type ${issue.expected}` : issue.message.replace(/^Invalid input: /, '');
    return `${key}: got ${shown}, expected ${expected}`;
  });
  return failConfig(file, lines);
}

function failConfig(file: string, lines: string[]): never {
  throw new ConfigError(`${file}: invalid configuration\n${lines.map((l) => `  - ${l}`).join('\n')}`);
}

/**
 * Reads and validates the config file. `--config` wins, then TAYORI_CONFIG, then
 * config/tayori.yaml. CLI overrides are applied before validation so they are checked too.
 */
export function loadConfig(
  options: { file?: string; env?: NodeJS.ProcessEnv; cwd?: string; overrides?: ConfigOverrides } = {},
): LoadedConfig {
  const env = options.env ?? process.env;
  const root = options.cwd ?? process.cwd();
  const file = path.resolve(root, options.file ?? env.TAYORI_CONFIG ?? DEFAULT_CONFIG_PATH);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new ConfigError(`${file}: ${reason}; pass --config FILE or set TAYORI_CONFIG`);
  }
  let data: Record<string, unknown>;
  try {
    data = parseYaml(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  } catch (error) {
    const line = error instanceof YAMLParseError ? error.linePos?.[0]?.line : undefined;
    const where = line ? `:${line}` : '';
    throw new ConfigError(`${file}${where}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data))) {
    failConfig(file, ['(top level): expected a YAML mapping of keys such as site:, paths:, feeds:']);
  }
  const input = structuredClone(data ?? {});
  const paths = ((input.paths ??= {}) as Record<string, unknown>);
  if (options.overrides?.posts) paths.posts = options.overrides.posts;
  if (options.overrides?.output) paths.output = options.overrides.output;
  if (env.TAYORI_DB) paths.database = env.TAYORI_DB;
  return { config: parseConfig(input, file), file, root };
}

/** Resolves a path from the config against the folder tayori runs in. */
export function resolvePath(loaded: LoadedConfig, p: string): string {
  return path.resolve(loaded.root, p);
}
