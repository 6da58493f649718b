import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { tracer } from '../lib/tracing.ts';

/**
 * A server span per request, named by its route template (`GET /api/studies/:id`), active through
 * every hook and the handler, so the request's PostgreSQL and DuckDB spans are its children. Only
 * registered when tracing is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`). No URL, query string,
 * header or body goes on it: ids in paths and filters in query strings are not for a trace store.
 */
export const tracingPlugin: FastifyPluginAsync = fp(async (app) => {
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched route';
    const span = tracer().startSpan(`${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'http.route': route },
    });
    spans.set(request, span);
    context.with(trace.setSpan(context.active(), span), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
});
