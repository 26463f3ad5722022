import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real SMTP servers, SQLite files, child processes and Chromium: generous, not tight.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
