/**
 * A page-rendering thread (started by page-threads.ts): renders and writes each page of a
 * batch (page-job.ts) and answers with one outcome per page.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PageContext } from '../pages/render.js';
import { renderPageJob, type PageJob, type PageOutcome } from './page-job.js';
import type { PageWorkerData } from './page-threads.js';

const { config, templatesDir, outDir } = workerData as PageWorkerData;
const port = parentPort!;
// Parsed before the first batch: a template error stops the thread, and the build, at once.
const pages = new PageContext(config, templatesDir);

port.on('message', (jobs: PageJob[]) => {
  port.postMessage(jobs.map((job): PageOutcome => renderPageJob(pages, config, outDir, job)));
});
