import type { Command } from 'commander';
import { formatProblem } from '../content/post.js';
import { contextFrom, existingPostsFolder, UsageError, withCommonOptions, type CommonOptions } from './common.js';

interface BuildFlags extends CommonOptions {
  strict?: boolean;
  force?: boolean;
  threads?: string;
}

function threadsFrom(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--threads: got "${value}", expected a whole number from 1 to 64`);
  return n;
}

export function registerBuild(program: Command): void {
  withCommonOptions(
    program
      .command('build')
      .description('write the RSS, Atom and JSON feeds (and post pages) into the output folder'),
    { withOut: true },
  )
    .option('--strict', 'exit with code 1 when any post has a problem (any warning: bad YAML, bad date, not UTF-8, duplicate or unusable URL…)')
    .option('--force', 'ignore the build cache and check every output file')
    .option('--threads <n>', 'threads that render post pages (default: one per core for 48 MB of posts or more; 1: main thread only)')
    .action(async (flags: BuildFlags) => {
      const context = contextFrom(flags);
      const pageThreads = flags.threads === undefined ? undefined : threadsFrom(flags.threads);
      const { build, readConfigText } = await import('../build/build.js');
      const { config } = context.loaded;
      const started = performance.now();
      const report = await build({
        config,
        configText: readConfigText(context.loaded.file),
        postsDir: existingPostsFolder(context),
        outDir: context.resolve(config.paths.output),
        templatesDir: context.resolve(config.paths.templates),
        cacheDir: context.resolve(config.paths.cache),
        now: context.clock(),
        force: flags.force,
        pageThreads,
      });
      const ms = Math.round(performance.now() - started);

      for (const problem of report.problems) process.stderr.write(`warning: ${formatProblem(problem)}\n`);
      const reasons = new Map<string, number>();
      for (const { reason } of report.skipped) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      const leftOut = [...reasons].map(([reason, n]) => `${n} ${reason}`).join(', ');
      const out = config.paths.output;
      process.stdout.write(
        [
          `posts read: ${report.read}, published: ${report.published}, left out: ${report.skipped.length}${leftOut ? ` (${leftOut})` : ''}`,
          report.upToDate
            ? `output in ${out}/ is up to date (${report.outputs.length} files) [${ms} ms]`
            : `files written: ${report.written.length} of ${report.outputs.length} in ${out}/` +
              `${report.removed.length ? `, removed: ${report.removed.length}` : ''} [${ms} ms` +
              `${report.pageThreads > 1 ? `, pages on ${report.pageThreads} threads` : ''}]`,
          ...report.written.filter((f) => !f.endsWith('.html')).slice(0, 12).map((f) => `  ${out}/${f}`),
        ].join('\n') + '\n',
      );
      if (flags.strict && report.problems.length > 0) {
        process.stderr.write(`tayori: --strict: ${report.problems.length} post(s) with problems\n`);
        process.exitCode = 1;
      }
    });
}
