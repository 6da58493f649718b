import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The headers `@fastify/helmet` sets with `options`, found once by asking it: a throwaway Fastify
 * with helmet answers one request, and the headers that one without helmet does not send are
 * helmet's. Our options have no per-request part (no CSP nonces), so the headers never change.
 */
export async function helmetHeaders(options: FastifyHelmetOptions): Promise<[string, string][]> {
  const answer = async (withHelmet: boolean) => {
    const probe = Fastify();
    if (withHelmet) await probe.register(helmet, options);
    probe.get('/', async () => '');
    try {
      return (await probe.inject({ method: 'GET', url: '/' })).headers;
    } finally {
      await probe.close();
    }
  };
  const [withHelmet, without] = await Promise.all([answer(true), answer(false)]);
  return Object.entries(withHelmet)
    .filter(([name]) => !(name in without))
    .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]);
}

/**
 * Helmet's security headers on every answer, set from values computed at start-up. `@fastify/helmet`
 * builds helmet's middleware anew on every request (parsing the CSP directives each time): 40–50 µs
 * of the main thread per request in the api-keys bench's profile, on every route, for the same bytes.
 * Set on the raw response in `onRequest`, as the plugin does, so errors and 404s carry them too.
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, { options }: { options: FastifyHelmetOptions }) => {
    const headers = await helmetHeaders(options);
    app.addHook('onRequest', (_request, reply, done) => {
      for (const [name, value] of headers) reply.raw.setHeader(name, value);
      done();
    });
  },
);
