/**
 * A page-rendering thread (started by page-threads.ts). For each job of a batch: reads and
 * renders the post's body, renders its page, writes the page when it changed; answers with
 * each page's hash and whether it was written. The first error ends the batch and is sent
 * back as its message (which names the post file and the fix).
 */
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { loadFull } from '../content/body.js';
import { PageContext, renderPostPage } from '../pages/render.js';
import type { PageBatchReply, PageJob, PageWorkerData } from './page-threads.js';
import { writeIfChanged } from './write.js';

const { config, templatesDir, outDir } = workerData as PageWorkerData;
const port = parentPort!;
// Parsed before the first batch: a template error stops the thread, and the build, at once.
const pages = new PageContext(config, templatesDir);

port.on('message', (jobs: PageJob[]) => {
  let reply: PageBatchReply;
  try {
    reply = {
      ok: true,
      results: jobs.map((job) => {
        const contents = renderPostPage(pages, loadFull(job.post, config), job.file);
        return writeIfChanged(path.join(outDir, job.file), contents, job.knownHash);
      }),
    };
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
