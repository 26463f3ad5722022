import type { Command } from 'commander';
import { clockFrom, type Clock } from '../clock.js';
import { statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, resolvePath, type LoadedConfig } from '../config/load.js';

/** Options every command that reads posts or the store accepts. */
export interface CommonOptions {
  config?: string;
  posts?: string;
  out?: string;
  now?: string;
}

/** Adds --config / --posts / --now (and --out when `withOut`) to a command. */
export function withCommonOptions(command: Command, { withOut = false } = {}): Command {
  command
    .option('-c, --config <file>', 'config file (default: $TAYORI_CONFIG or config/tayori.yaml)')
    .option('--posts <dir>', 'posts folder (overrides paths.posts)')
    .option('--now <iso>', 'fix the clock, e.g. 2026-01-05T09:00:00+09:00 (previews and tests)');
  if (withOut) command.option('-o, --out <dir>', 'output folder (overrides paths.output)');
  return command;
}

/** Everything a command needs from its flags and the environment, read and validated once. */
export interface CommandContext {
  loaded: LoadedConfig;
  clock: Clock;
  /** Resolves a path from the config against the working directory. */
  resolve: (p: string) => string;
  env: NodeJS.ProcessEnv;
}

export function contextFrom(options: CommonOptions, env: NodeJS.ProcessEnv = process.env): CommandContext {
  const clock = clockFrom(options.now);
  const loaded = loadConfig({ file: options.config, env, overrides: { posts: options.posts, output: options.out } });
  return { loaded, clock, resolve: (p) => resolvePath(loaded, p), env };
}

/**
 * The posts folder, which must exist: a wrong working folder or a typo in `paths.posts` would
 * otherwise read as "no posts", and a build would empty the feeds while a digest quietly sent
 * nothing (exit 0). `tayori start` makes a missing one instead (a fresh site).
 */
export function existingPostsFolder(context: CommandContext): string {
  const { config } = context.loaded;
  const dir = context.resolve(config.paths.posts);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    const relative = path.isAbsolute(config.paths.posts) ? '' : ` (${config.paths.posts}, read from the working folder ${context.loaded.root})`;
    throw new ConfigError(`paths.posts: there is no folder ${dir}${relative}; run tayori from the site's folder, or set paths.posts (or --posts) to the folder of your posts`);
  }
  return dir;
}

/** A failure the user caused and can fix: printed without a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
