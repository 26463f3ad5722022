import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on a module given as its compiled `.js` URL next to the caller
 * (`new URL('./x-worker.js', import.meta.url)`). Installed, that file is in dist/ and runs as
 * is. Run from the sources (vitest, tsx), only `x-worker.ts` exists: the worker then registers
 * tsx before importing it, so tests exercise the same worker code as the installed CLI.
 */
export function startWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (existsSync(fileURLToPath(moduleUrl))) return new Worker(moduleUrl, options);
  const source = new URL(moduleUrl.href.replace(/\.js$/, '.ts'));
  if (!existsSync(fileURLToPath(source))) {
    throw new Error(`worker module ${fileURLToPath(moduleUrl)} is missing; run \`npm install\` (it compiles src/ to dist/)`);
  }
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
