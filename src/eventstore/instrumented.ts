import type { EventShape, EventStore } from './port.js';

/** What an instrumented store reports of each append. */
export interface AppendObserver {
  /** `outcome`: ok, duplicate (an idempotent retry that wrote nothing) or error; `events` written; `seconds` taken. */
  appended(outcome: 'ok' | 'duplicate' | 'error', events: number, seconds: number): void;
}

/** The same store, each append reported to `observer` (src/metrics.ts); everything else passes through. */
export function instrumentedStore<E extends EventShape>(store: EventStore<E>, observer: AppendObserver): EventStore<E> {
  const append: EventStore<E>['append'] = async (streamId, events, options) => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await store.append(streamId, events, options);
      observer.appended(result.duplicate ? 'duplicate' : 'ok', result.duplicate ? 0 : result.eventIds.length, seconds());
      return result;
    } catch (err) {
      observer.appended('error', 0, seconds());
      throw err;
    }
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'append') return append;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
