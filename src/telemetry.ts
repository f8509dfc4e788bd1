import { register } from 'node:module';

/*
 * OpenTelemetry tracing, only when OTEL_EXPORTER_OTLP_ENDPOINT is set (e.g.
 * http://otel-collector:4318): spans of every HTTP request (instrumentation-http), of express's
 * routing (instrumentation-express) and of every PostgreSQL query (instrumentation-pg), exported
 * in batches over OTLP/HTTP (the exporter reads the standard OTEL_EXPORTER_OTLP_* variables;
 * OTEL_SERVICE_NAME names the service, default grants-backend). The log lines written while a
 * span is active carry its `trace_id` and `span_id` (src/logger.ts).
 *
 * ESM modules are patched as they are imported, so this runs before express and pg are loaded:
 * src/main.ts imports the service only after it.
 */
export async function startTracing(endpoint: string | undefined): Promise<(() => Promise<void>) | undefined> {
  if (!endpoint) return undefined;
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const [
    { NodeTracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    instrumentation,
    http,
    express,
    pg,
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-express'),
    import('@opentelemetry/instrumentation-pg'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME ?? 'grants-backend' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` }))],
  });
  provider.register();
  instrumentation.registerInstrumentations({
    instrumentations: [
      new http.HttpInstrumentation({ ignoreIncomingRequestHook: (req) => req.url === '/health' || req.url === '/metrics' }),
      new express.ExpressInstrumentation(),
      // Queries outside a request (the background work polling the log, the keepers) would each be a trace of one span,
      // several a second on an idle service: only a request's queries are traced, under its span.
      new pg.PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  return () => provider.shutdown();
}
