import { log, withBenchEnv, type Benchmark } from './support.js';

/** Name → benchmark. A new benchmark is one file in bench/ and one line here. */
const benchmarks: Record<string, () => Promise<Benchmark>> = {
  append: async () => (await import('./append.js')).append,
  rebuild: async () => (await import('./rebuild.js')).rebuild,
  report: async () => (await import('./report.js')).report,
  alerts: async () => (await import('./alerts.js')).alerts,
  history: async () => (await import('./history.js')).history,
  import: async () => (await import('./import.js')).importBench,
  http: async () => (await import('./http.js')).httpBench,
};

const name = process.argv[2];
const load = name ? benchmarks[name] : undefined;
if (!load) {
  process.stderr.write(
    `usage: npm run bench -- <name>\n  names: ${Object.keys(benchmarks).join(', ')}\n` +
      '  env: DATABASE_URL (else an embedded PostgreSQL; BENCH_KEEP=1 keeps its database), EVENTS, BENCH_LOG (pino level, to stderr)\n' +
      '       append: WRITERS, COMMITTERS, READ_BATCH; rebuild: BATCH, STREAMS, APPEND_SIZE, LOADERS\n' +
      '       history: PROJECTS, EXPORT_EVENTS, SAMPLES, LOADERS; import: ROWS, OTHER_CLIENTS\n' +
      '       alerts: INVOICES, PROJECTS, SUPPLIERS, QUEUE_PAGES, DECISIONS, CHECKS, DUPLICATES, WARMUP, PROJECT_VIEWS\n' +
      '       http (npm run build first): RATE, SECONDS, PROJECTS, HOT, PRELOAD, WARMUP, READ_RATE\n',
  );
  process.exit(2);
}

const benchmark = await load();
try {
  const result = await withBenchEnv(benchmark);
  // The one line on stdout: the result, for scripts and CI to parse.
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (result.lost > 0 || result.duplicated > 0) {
    log.error({ lost: result.lost, duplicated: result.duplicated }, 'events lost or duplicated');
    process.exitCode = 1;
  }
} catch {
  process.exitCode = 1; // withBenchEnv has logged the error
}
