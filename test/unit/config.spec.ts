import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('when nothing is set, the defaults start the embedded database on port 3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, EMBEDDED_PG_DIR: '.data/postgres', PROJECTIONS_ENABLED: true });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('when values are bad, every bad variable is named with what was expected and what was given', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', PROJECTIONS_ENABLED: 'yes' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT', 'PROJECTIONS_ENABLED']);
    expect(problems.find((p) => p.startsWith('DATABASE_URL'))).toContain('must be a postgres:// or postgresql:// URL (got "mysql://x")');
  });

  it('when DATABASE_URL is a postgres URL, it is used as given', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/grants' }).DATABASE_URL).toBe('postgres://u:p@db:5432/grants');
  });
});
