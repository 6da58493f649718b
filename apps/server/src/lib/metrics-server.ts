import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AppContext } from './context.ts';
import { metricsRegistry } from './metrics.ts';
import { readiness } from './readiness.ts';

/**
 * The admin listener on METRICS_PORT, in every role (a worker has no HTTP API of its own):
 * `/metrics` in the Prometheus text format, `/healthz` (the process answers) and `/readyz` (the
 * database answers, migrations match, and the process is not draining). Kept off the public port
 * so a reverse proxy never exposes it; METRICS_TOKEN adds a bearer token where the port is shared.
 */
export const ADMIN_PATHS = ['/metrics', '/healthz', '/readyz'] as const;

export async function startMetricsServer(ctx: AppContext): Promise<Server | null> {
  const { metricsPort, metricsHost, metricsToken } = ctx.config;
  if (!metricsPort) return null;
  const server = createServer((request, response) => {
    const url = (request.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (request.method !== 'GET') return send(405, 'method not allowed\n');
    if (url === '/healthz') return send(200, 'ok\n');
    if (url === '/readyz') {
      void readiness(ctx).then((body) =>
        send(body.status === 'ready' ? 200 : 503, `${JSON.stringify(body)}\n`, 'application/json'),
      );
      return;
    }
    if (url !== '/metrics') return send(404, 'not found: /metrics, /healthz, /readyz\n');
    if (metricsToken && !bearerMatches(request.headers.authorization, metricsToken)) {
      response.setHeader('www-authenticate', 'Bearer');
      return send(401, 'metrics need Authorization: Bearer <METRICS_TOKEN>\n');
    }
    metricsRegistry.metrics().then(
      (text) => send(200, text, metricsRegistry.contentType),
      (error: unknown) => {
        ctx.log.warn({ err: error }, 'collecting metrics failed');
        send(500, 'collecting metrics failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`METRICS_PORT ${metricsPort} is already in use. Stop what uses it, or set another port.`)
          : error,
      ),
    );
    server.listen(metricsPort, metricsHost, () => resolve());
  });
  return server;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
