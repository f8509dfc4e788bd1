import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { problemsOf } from '../support/config.js';

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

  describe('authentication', () => {
    it('when production has neither a secret nor a JWKS URL, it refuses to start and says what to set', () => {
      const [problem, ...rest] = problemsOf({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/grants' });
      expect(rest).toEqual([]);
      expect(problem).toMatch(/^AUTH_JWT_SECRET: production needs AUTH_JWT_SECRET .* or AUTH_JWKS_URL/);
    });

    it('when development has neither, it starts, with the development secret file as the default', () => {
      expect(loadConfig({ NODE_ENV: 'development' })).toMatchObject({ AUTH_DEV_SECRET_FILE: '.data/dev-jwt-secret' });
    });

    it('when the secret is shorter than 32 characters, it is refused with the reason', () => {
      expect(problemsOf({ AUTH_JWT_SECRET: 'short' })[0]).toMatch(/^AUTH_JWT_SECRET: must be at least 32 characters/);
    });

    it('when both a secret and a JWKS URL are set, it asks for one of them', () => {
      const problems = problemsOf({ AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWKS_URL: 'https://idp.example.lv/jwks.json' });
      expect(problems).toEqual([
        'AUTH_JWKS_URL: set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both (got "https://idp.example.lv/jwks.json")',
      ]);
    });

    it('when the JWKS URL is not an http(s) URL, or plain http in production, it is refused', () => {
      expect(problemsOf({ AUTH_JWKS_URL: 'ftp://idp.example.lv/jwks' })[0]).toMatch(/^AUTH_JWKS_URL: must be an http\(s\) URL/);
      expect(
        problemsOf({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/grants', AUTH_JWKS_URL: 'http://idp.example.lv/jwks' })[0],
      ).toMatch(/^AUTH_JWKS_URL: must be an https URL in production/);
    });

    it('when production has a JWKS URL with issuer and audience, they are used as given', () => {
      const env = {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db/grants',
        AUTH_JWKS_URL: 'https://idp.example.lv/jwks',
        AUTH_ISSUER: 'https://idp.example.lv',
        AUTH_AUDIENCE: 'grants',
        CURSOR_SECRET: 'c'.repeat(32),
      };
      expect(loadConfig(env)).toMatchObject(env);
    });

    it('when production takes tokens from a JWKS URL without CURSOR_SECRET, it is refused: nothing else could key the cursors', () => {
      expect(
        problemsOf({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/grants', AUTH_JWKS_URL: 'https://idp.example.lv/jwks' }),
      ).toEqual([expect.stringMatching(/^CURSOR_SECRET: production with AUTH_JWKS_URL needs CURSOR_SECRET/)]);
    });

    it('when a secret is refused, the problem says how long it was and never shows it', () => {
      const problems = problemsOf({ AUTH_JWT_SECRET: 'short-but-secret', CURSOR_SECRET: 'also-secret' });
      expect(problems).toEqual([
        'AUTH_JWT_SECRET: must be at least 32 characters (HS256 needs a 256-bit secret) (got 16 characters, not shown)',
        'CURSOR_SECRET: must be at least 32 characters (it keys HMAC-SHA256) (got 11 characters, not shown)',
      ]);
      expect(problems.join(' ')).not.toContain('short-but-secret');
      expect(problems.join(' ')).not.toContain('also-secret');
    });
  });

  describe('the database in production', () => {
    const secret = { AUTH_JWT_SECRET: 's'.repeat(32) };

    it('when production has no DATABASE_URL, it refuses to start rather than silently start an embedded database', () => {
      expect(problemsOf({ NODE_ENV: 'production', ...secret })).toEqual([
        'DATABASE_URL: required in production (the embedded PostgreSQL is for development; EMBEDDED_PG=allow starts it anyway)',
      ]);
    });

    it('when production explicitly allows the embedded database, it starts without DATABASE_URL', () => {
      expect(loadConfig({ NODE_ENV: 'production', EMBEDDED_PG: 'allow', ...secret })).toMatchObject({ EMBEDDED_PG: 'allow' });
      expect(loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/grants', ...secret }).DATABASE_URL).toBe(
        'postgres://db/grants',
      );
    });

    it('when EMBEDDED_PG=deny, DATABASE_URL is required anywhere', () => {
      expect(problemsOf({ EMBEDDED_PG: 'deny' })).toEqual(['DATABASE_URL: required: EMBEDDED_PG=deny forbids the embedded PostgreSQL']);
      expect(problemsOf({ EMBEDDED_PG: 'maybe' })).toEqual(['EMBEDDED_PG: must be allow or deny (got "maybe")']);
    });
  });

  it('no refused value ever shows a secret: secrets by their length only, URLs without their password', () => {
    const problems = problemsOf({
      DATABASE_URL: 'mysql://app:hunter2-db@db:3306/grants',
      KURRENTDB_URL: 'http://admin:hunter2-kdb@kdb:2113',
      EVENT_STORE: 'kurrentdb',
      AUTH_JWT_SECRET: 'hunter2-jwt',
      CURSOR_SECRET: 'hunter2-cursor',
      AUTH_JWKS_URL: 'ftp://u:hunter2-jwks@idp/jwks?token=hunter2-query',
    });
    expect([...new Set(problems.map((p) => p.split(':')[0]))].sort()).toEqual([
      'AUTH_JWKS_URL',
      'AUTH_JWT_SECRET',
      'CURSOR_SECRET',
      'DATABASE_URL',
      'KURRENTDB_URL',
    ]);
    expect(problems.join('\n')).not.toMatch(/hunter2/);
    expect(problems.join('\n')).toContain('"mysql://app:***@db:3306/grants"');
  });
});
