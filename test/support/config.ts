import { ConfigError, loadConfig } from '../../src/config.js';

/** The problems loadConfig reports for `env`, one line each; none when it is accepted. */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}
