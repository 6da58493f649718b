import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { helmetHeaders, securityHeadersPlugin } from './security-headers.ts';

const OPTIONS = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
      upgradeInsecureRequests: null,
    },
  },
};

async function answers(register: (app: ReturnType<typeof Fastify>) => Promise<void>) {
  const app = Fastify();
  await register(app);
  app.get('/ok', async () => ({ ok: true }));
  app.get('/fails', async () => {
    throw new Error('boom');
  });
  try {
    return await Promise.all(['/ok', '/fails', '/missing'].map((url) => app.inject({ method: 'GET', url })));
  } finally {
    await app.close();
  }
}

const SECURITY =
  /^(content-security-policy|cross-origin-|origin-agent-cluster|referrer-policy|strict-transport-security|x-content-type-options|x-dns-prefetch-control|x-download-options|x-frame-options|x-permitted-cross-domain-policies|x-xss-protection)/;

function securityOf(headers: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => SECURITY.test(name)));
}

describe('security headers', () => {
  it('are exactly what @fastify/helmet sends with the same options, on answers, errors and 404s', async () => {
    const expected = await answers(async (app) => {
      await app.register(helmet, OPTIONS);
    });
    const ours = await answers(async (app) => {
      await app.register(securityHeadersPlugin, { options: OPTIONS });
    });
    expect(ours.map((r) => r.statusCode)).toEqual([200, 500, 404]);
    for (const [i, answer] of ours.entries()) {
      const want = securityOf(expected[i]?.headers ?? {});
      expect(Object.keys(want).length).toBeGreaterThan(8);
      expect(securityOf(answer.headers)).toEqual(want);
    }
    expect(securityOf(ours[0]?.headers ?? {})['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('are computed once: the list holds helmet’s headers and nothing of Fastify’s own', async () => {
    const names = (await helmetHeaders(OPTIONS)).map(([name]) => name);
    expect(names).toContain('content-security-policy');
    expect(names).toContain('x-frame-options');
    expect(names).not.toContain('content-type');
    expect(names).not.toContain('content-length');
    expect(names.every((n) => SECURITY.test(n))).toBe(true);
  });
});
