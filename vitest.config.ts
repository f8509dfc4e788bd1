import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.spec.ts', 'src/**/*.spec.ts', 'projections/**/*.spec.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Every response an HTTP test receives is checked against openapi/openapi.json.
    setupFiles: ['test/support/response-contract.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
