/**
 * `tayori subscribers import` of 100,000 rows, end to end: generates a CSV (names with commas,
 * quotes and Japanese text, categories, a few bad rows), then times the real compiled CLI
 * from process start to exit on a fresh SQLite file, then again on the same file (every row
 * unchanged), then an export of the result. Target: the first import under 5 s.
 *
 * Run: npx tsc -p tsconfig.json && npx tsx bench/import.ts [rows]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/tayori.js');
const rows = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'tayori-bench-import-'));

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function generate(file: string): number {
  const lines = ['email,name,categories,status'];
  let bad = 0;
  for (let i = 0; i < rows; i++) {
    if (i % 1000 === 999) {
      lines.push(`not-an-address-${i},Broken,,`);
      bad++;
      continue;
    }
    const name = i % 3 === 0 ? `山田 太郎 ${i}` : i % 3 === 1 ? `Doe, "J" ${i}` : `Reader ${i}`;
    const categories = i % 4 === 0 ? 'news,releases' : '';
    lines.push([`reader${i}@example${i % 50}.com`, csvCell(name), csvCell(categories), 'active'].join(','));
  }
  writeFileSync(file, `\uFEFF${lines.join('\r\n')}\r\n`);
  return bad;
}

// Preloaded into the CLI process: reports its own CPU time (user + system) at exit. On a shared
// machine wall time swings with other load; CPU time shows what the command itself costs.
const cpuReporter = path.join(dir, 'report-cpu.mjs');
writeFileSync(
  cpuReporter,
  "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write(`\\nCPU_MS=${(u.user + u.system) / 1000}\\n`); });\n",
);

function timeCli(args: string[], env: NodeJS.ProcessEnv): { ms: number; cpuMs: number; stdout: string } {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', pathToFileURL(cpuReporter).href, bin, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`tayori ${args.join(' ')} exited ${result.status}: ${result.stderr.slice(0, 2000)}`);
  const cpuMs = Number(/CPU_MS=([\d.]+)/.exec(result.stderr)?.[1] ?? NaN);
  return { ms, cpuMs, stdout: result.stdout.trim() };
}

const seconds = (r: { ms: number; cpuMs: number }) => `${(r.ms / 1000).toFixed(2)} s wall, ${(r.cpuMs / 1000).toFixed(2)} s CPU`;

try {
  const csv = path.join(dir, 'subscribers.csv');
  const db = path.join(dir, 'tayori.sqlite');
  const bad = generate(csv);
  const env = { TAYORI_DB: db };
  const config = ['--config', path.join(root, 'config/tayori.yaml'), '--now', '2026-01-05T09:00:00Z'];
  const sizeMb = (statSync(csv).size / 1e6).toFixed(1);

  const first = timeCli(['subscribers', 'import', csv, ...config], env);
  const second = timeCli(['subscribers', 'import', csv, ...config], env);
  const exported = timeCli(['subscribers', 'export', path.join(dir, 'out.csv'), ...config], env);
  const startup = timeCli(['subscribers', 'count', ...config], env);

  console.log(`subscribers import: ${rows.toLocaleString('en')} rows (${sizeMb} MB CSV, ${bad} invalid), Node ${process.version}, ${os.cpus().length} CPUs`);
  console.log(`  machine load average (1 min): ${os.loadavg()[0]?.toFixed(2)}`);
  console.log(`  fresh store:       ${seconds(first)}  (${first.stdout})`);
  console.log(`  same file again:   ${seconds(second)}  (${second.stdout})`);
  console.log(`  export all:        ${seconds(exported)}  (${exported.stdout})`);
  console.log(`  count (CLI start): ${seconds(startup)}`);
  console.log(`  target: fresh import under 5 s: ${first.ms < 5000 ? 'met' : 'NOT met'}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
