import { Command, CommanderError } from 'commander';
import { ClockError } from '../clock.js';
import { ConfigError } from '../config/load.js';
import { UsageError } from './common.js';
import { registerBuild } from './build.js';
import { registerStart } from './start.js';
import { registerDigest } from './digest.js';
import { registerSubscribers } from './subscribers.js';

/**
 * The CLI's only edge: parses arguments, runs one command, turns errors into exit codes.
 * Command groups register themselves; their actions import heavy modules lazily so that
 * `tayori subscribers list` never loads the mailer or the web server.
 * Exit codes: 0 ok, 1 the command ran and failed (e.g. --strict with problems), 2 bad usage or config.
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('tayori')
    .description('Feeds and weekly e-mail digests from a folder of Markdown posts')
    .showHelpAfterError()
    .exitOverride();
  registerBuild(program);
  registerStart(program);
  registerDigest(program);
  registerSubscribers(program);

  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof ConfigError || error instanceof ClockError) {
      process.stderr.write(`tayori: ${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`tayori: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`tayori: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
