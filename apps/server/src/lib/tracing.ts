import {
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import pg from 'pg';

/**
 * OpenTelemetry traces, only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (nothing is loaded into the
 * request path otherwise: the API's tracer is a no-op). One trace follows a request through its
 * PostgreSQL statements and DuckDB queries (`@cdp/analytics`) into the jobs it queued: the queuing
 * transaction writes the W3C `traceparent` beside the job's payload (`TRACE_FIELD`), and the worker
 * starts the job's span as its child.
 *
 * Span attributes say how, never what: routes as templates (`/api/studies/:id`), SQL as its first
 * word, no parameters, bodies, query strings, SQL text or filter values (they may name subjects),
 * no user names or e-mail addresses.
 */
export const TRACE_FIELD = '_trace';

const TRACER = '@cdp/server';

export function tracer(): Tracer {
  return trace.getTracer(TRACER);
}

export interface Tracing {
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
  /** Sends what is buffered (tests). */
  flush(): Promise<void>;
}

/**
 * Starts tracing for this process when an endpoint is configured; null (nothing started) otherwise.
 * The SDK and its exporter (~10 MB a process) are loaded only then.
 */
export async function startTracing(settings: {
  endpoint: string | null;
  serviceName: string;
}): Promise<Tracing | null> {
  if (!settings.endpoint) return null;
  const [
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { BasicTracerProvider, BatchSpanProcessor },
    { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION },
  ] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const exporter = new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/$/, '')}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, [ATTR_SERVICE_VERSION]: '0.1.0' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const unpatch = tracePostgres();
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      unpatch();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/**
 * `select`, `insert`, … of a statement: what a span may say about SQL. A batch that opens its own
 * transaction (`Database.tenantReads`: `begin; select set_config(…); select …; commit`) is named by
 * the statement after BEGIN.
 */
function operationOf(text: unknown): string {
  const sql = typeof text === 'string' ? text : (text as { text?: unknown } | null)?.text;
  if (typeof sql !== 'string') return 'query';
  return /^\s*(?:begin\s*;\s*)?(?:with\b[\s\S]*?\)\s*)?(\w+)/i.exec(sql)?.[1]?.toLowerCase() ?? 'query';
}

/**
 * A span for every promise-returning `pg` query (Drizzle's, pg-boss', the audit log's) that runs
 * inside a traced operation. Patching the client is what `@opentelemetry/instrumentation-pg`
 * does through a module hook; done here directly because ESM under tsx has no `require` hook.
 */
function tracePostgres(): () => void {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function tracedQuery(this: unknown, ...args: unknown[]) {
    const parent = trace.getSpan(context.active());
    // Outside a trace (pool housekeeping, LISTEN) and callback-style calls stay as they were.
    if (!parent || typeof args.at(-1) === 'function' || typeof (args[0] as { submit?: unknown })?.submit === 'function')
      return original.apply(this, args);
    const operation = operationOf(args[0]);
    const span = tracer().startSpan(`postgresql ${operation}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'postgresql', 'db.operation.name': operation },
    });
    const result = original.apply(this, args) as Promise<unknown>;
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { code?: string })?.code ?? 'error' });
        span.end();
        throw error;
      },
    );
  };
  return () => {
    proto.query = original;
  };
}

/** The W3C trace context of the active span, to store beside a queued job's payload; null when not tracing. */
export function currentTraceparent(): Record<string, string> | null {
  if (!trace.getSpan(context.active())) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : null;
}

/** A queued job's payload without the trace field, and the context its span continues. */
export function splitJobData(data: unknown): { payload: unknown; parent: Context } {
  if (!data || typeof data !== 'object' || !(TRACE_FIELD in data)) return { payload: data, parent: context.active() };
  const { [TRACE_FIELD]: carrier, ...payload } = data as Record<string, unknown>;
  const parent =
    carrier && typeof carrier === 'object'
      ? propagation.extract(context.active(), carrier as Record<string, string>)
      : context.active();
  return { payload, parent };
}

/** Runs `fn` in a span that is the active one inside it. */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
