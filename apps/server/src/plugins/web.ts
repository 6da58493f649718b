import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { notFound } from '../lib/app-error.ts';

/**
 * Serves the built web app at /. A GET outside /api is a file of the build when one exists
 * (looked up per request, so a rebuild needs no restart), a 404 when it names a file that does
 * not exist (a stale /assets/ link must not get a page instead), and otherwise index.html, for
 * the client-side router. Assets are sent precompressed (brotli, else gzip) when the build made
 * them and the browser accepts them.
 */
export const webPlugin = fp(async (app: FastifyInstance, { distDir }: { distDir: string }) => {
  const root = path.resolve(distDir);
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn({ distDir: root }, 'web app not built: only the API is served (run `npm run build:web`)');
    return;
  }
  await app.register(fastifyStatic, {
    root,
    serve: false,
    // The build writes `.br` and `.gz` beside each text asset (apps/web/build-plugins.ts): sent as
    // they are to a browser that accepts them, with `Vary: Accept-Encoding`; the plain file otherwise.
    preCompressed: true,
    // Hashed asset names never change content, so they may be cached for a long time.
    setHeaders(reply, filePath) {
      if (filePath.includes(`${path.sep}assets${path.sep}`)) {
        reply.header('cache-control', 'public, max-age=31536000, immutable');
      }
    },
  });

  const sendIndex = (reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });

  app.get('/*', { config: { public: true }, schema: { hide: true } }, (request, reply) => {
    const pathname = decodeURIComponent(request.url.split('?')[0] ?? '/');
    if (pathname === '/api' || pathname.startsWith('/api/')) throw notFound(`${request.method} ${pathname}`);
    const file = path.resolve(root, `.${pathname}`);
    if (file.startsWith(`${root}${path.sep}`) && existsSync(file) && statSync(file).isFile()) {
      return reply.sendFile(path.relative(root, file));
    }
    if (pathname.startsWith('/assets/') || /\.[a-z0-9]{1,8}$/i.test(pathname)) {
      return reply.status(404).type('text/plain').send('Not found');
    }
    return sendIndex(reply);
  });
});
