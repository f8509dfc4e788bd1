import pg from 'pg';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, redactCredentials } from '../../src/config.js';
import { ConcurrencyError, EventStoreAccessDenied, EventStoreUnavailable, StreamDeleted } from '../../src/eventstore/errors.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { toProblem } from '../../src/http/problem.js';
import { createEventStore } from '../../src/service.js';
import { testRegistry } from '../support/builders.js';
import { problemsOf } from '../support/config.js';

describe('KurrentDB wiring: configuration, start-up check, HTTP answers (no server needed)', () => {
  describe('configuration', () => {
    it('when nothing is set, the event store is PostgreSQL', () => {
      expect(loadConfig({}).EVENT_STORE).toBe('postgres');
    });

    it('when EVENT_STORE=kurrentdb comes without KURRENTDB_URL, start is refused saying what to set', () => {
      expect(problemsOf({ EVENT_STORE: 'kurrentdb' })).toEqual([
        'KURRENTDB_URL: required when EVENT_STORE=kurrentdb (e.g. kurrentdb://admin:changeit@localhost:2113?tls=false)',
      ]);
    });

    it('when EVENT_STORE or KURRENTDB_URL are malformed, each is named, and the password is not echoed', () => {
      const problems = problemsOf({ EVENT_STORE: 'mongo', KURRENTDB_URL: 'http://admin:s3cret@host:2113' });
      expect(problems.find((p) => p.startsWith('EVENT_STORE:'))).toContain('must be postgres or kurrentdb (got "mongo")');
      const url = problems.find((p) => p.startsWith('KURRENTDB_URL:'))!;
      expect(url).toContain('must be a kurrentdb://');
      expect(url).toContain('http://admin:***@host:2113');
      expect(url).not.toContain('s3cret');
    });

    it('when KURRENTDB_URL is set but EVENT_STORE is not kurrentdb, it is refused rather than silently ignored', () => {
      expect(problemsOf({ KURRENTDB_URL: 'kurrentdb://localhost:2113?tls=false' })[0]).toMatch(
        /^KURRENTDB_URL: is set but EVENT_STORE is not kurrentdb/,
      );
    });

    it('when a single node or a cluster is given, the connection string is accepted as is', () => {
      for (const url of [
        'kurrentdb://admin:changeit@localhost:2113?tls=false',
        'kurrentdb+discover://node1:2113,node2:2113?tls=false',
        'esdb://localhost:2113',
      ]) {
        expect(loadConfig({ EVENT_STORE: 'kurrentdb', KURRENTDB_URL: url }).KURRENTDB_URL).toBe(url);
      }
      expect(redactCredentials('kurrentdb://admin:changeit@h:2113?tls=false')).toBe('kurrentdb://admin:***@h:2113?tls=false');
    });
  });

  describe('adapter choice and start-up check', () => {
    const pool = new pg.Pool({ max: 1 }); // never connected: neither adapter touches it while being created

    it('when EVENT_STORE=postgres, the PostgreSQL adapter is used', async () => {
      const store = await createEventStore(loadConfig({}), pino({ level: 'silent' }), pool, testRegistry());
      expect(store).toBeInstanceOf(PostgresEventStore);
      await store.close();
    });

    it('when the KurrentDB server cannot be reached, start fails at once with EventStoreUnavailable naming it', async () => {
      const config = loadConfig({
        EVENT_STORE: 'kurrentdb',
        KURRENTDB_URL: 'kurrentdb://admin:changeit@127.0.0.1:1?tls=false',
        KURRENTDB_CONNECT_TIMEOUT_MS: '3000',
      });
      const started = Date.now();
      const attempt = createEventStore(config, pino({ level: 'silent' }), pool, testRegistry());
      await expect(attempt).rejects.toBeInstanceOf(EventStoreUnavailable);
      await expect(attempt).rejects.toThrow(
        /^KurrentDB at kurrentdb:\/\/admin:\*\*\*@127\.0\.0\.1:1\?tls=false is unavailable: server not reachable/,
      );
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    afterAll(() => pool.end());
  });

  describe('HTTP answers for the new typed errors', () => {
    it('when the event store is unreachable or refuses our credentials, the answer is 503 without internals', () => {
      for (const err of [
        new EventStoreUnavailable('KurrentDB', 'server not reachable'),
        new EventStoreAccessDenied('KurrentDB', 'bad password'),
      ]) {
        const p = toProblem(err);
        expect(p).toMatchObject({ status: 503, type: expect.stringMatching(/event-store-unavailable$/) });
        expect(p.detail).not.toMatch(/password|KurrentDB/);
      }
    });

    it('when the stream was deleted on the server, the answer is 410 naming the stream', () => {
      expect(toProblem(new StreamDeleted('fund-RRF'))).toMatchObject({ status: 410, streamId: 'fund-RRF' });
    });

    it('when the expected version is wrong, the answer is the same 409 as with PostgreSQL', () => {
      expect(toProblem(new ConcurrencyError('fund-RRF', 1, 2))).toMatchObject({ status: 409, expectedVersion: 1, actualVersion: 2 });
    });
  });
});
