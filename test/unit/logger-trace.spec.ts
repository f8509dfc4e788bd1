import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { traceIds } from '../../src/logger.js';

/* A log line written while a span is active carries its trace and span ids; without one, none. */

const manager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(manager);
afterAll(() => {
  context.disable();
});

describe('the trace id in the logs', () => {
  it('when a span is active, each line carries its trace_id and span_id; outside any span, neither', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ mixin: traceIds }, sink);
    const tracer = new BasicTracerProvider().getTracer('test');
    const span = tracer.startSpan('request');
    context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
    span.end();
    logger.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'inside', trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    expect(lines[0]!.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(lines[1]).not.toHaveProperty('trace_id');
  });
});
