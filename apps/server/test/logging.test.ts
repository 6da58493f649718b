import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../src/lib/log-redact.ts';
import { createLogger, formatHumanLine } from '../src/lib/logger.ts';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.ts';

let t: TestApp;
const lines: string[] = [];
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger('trace', 'json', sink);
  t = await startTestApp({}, { log });
});
afterAll(() => t.close());

describe('logs', () => {
  it('carry a request id per request and never a password, token or cookie', async () => {
    const tenant = await t.tenant();
    const session = await tenant.as('org_admin');
    await t.request(null, { method: 'POST', url: '/api/auth/refresh', headers: { cookie: session.cookie } });
    await t.request(session, {
      method: 'POST',
      url: '/api/users',
      payload: { email: 'logged@test.cdp.local', name: 'Logged', temporaryPassword: 'Never-In-Logs-4242' },
    });
    await t.request(session, {
      method: 'POST',
      url: '/api/auth/change-password',
      payload: { currentPassword: TEST_PASSWORD, newPassword: 'Another-Secret-9191' },
    });
    await t.request(session, { method: 'GET', url: '/api/studies/not-a-uuid' });
    // Clients (and pasted links) sometimes put credentials in the query string.
    await t.request(null, { method: 'GET', url: `/api/me?access_token=${session.token}&Key=k-Secret-Key-77&page=2` });
    await t.request(null, { method: 'GET', url: '/api/health?token=q-Secret-Token-88' });
    // API keys: created (the answer carries the secret), then used both ways, and a wrong one.
    const created = await t.request(session, {
      method: 'POST',
      url: '/api/api-keys',
      payload: { name: 'Logged key', scopes: ['study:view:assigned'] },
    });
    const apiKey = created.json().secret as string;
    await t.request(null, { method: 'GET', url: '/api/studies', headers: { 'x-api-key': apiKey } });
    await t.request(null, { method: 'GET', url: '/api/studies', headers: { authorization: `Bearer ${apiKey}` } });
    await t.request(null, { method: 'GET', url: `/api/studies?api_key=${apiKey}` });

    const text = lines.join('');
    expect(lines.length).toBeGreaterThan(5);
    const parsed = lines.map((l) => JSON.parse(l) as { reqId?: string });
    expect(parsed.filter((l) => l.reqId).length).toBeGreaterThan(5);
    for (const secret of [
      TEST_PASSWORD,
      'Never-In-Logs-4242',
      'Another-Secret-9191',
      session.token,
      session.refreshToken,
      'k-Secret-Key-77',
      'q-Secret-Token-88',
      apiKey,
      apiKey.slice(10),
    ]) {
      expect(text).not.toContain(secret);
    }
    // What is not a credential stays readable.
    expect(text).toContain('access_token=[redacted]&Key=[redacted]&page=2');
  });
});

describe('redactUrl', () => {
  it.each([
    ['/api/x?access_token=abc', '/api/x?access_token=[redacted]'],
    [
      '/api/x?api_key=abc&apiKey=d&key=e&sig=f&X-Amz-Signature=g',
      '/api/x?api_key=[redacted]&apiKey=[redacted]&key=[redacted]&sig=[redacted]&X-Amz-Signature=[redacted]',
    ],
    [
      '/api/x?refresh%5Ftoken=abc&client_secret=s&password=p',
      '/api/x?refresh%5Ftoken=[redacted]&client_secret=[redacted]&password=[redacted]',
    ],
    ['/api/audit?actor=alice&page=2&keyword=x', '/api/audit?actor=alice&page=2&keyword=x'],
    ['/api/x?%E0%A4%A=1&token', '/api/x?%E0%A4%A=1&token'],
    ['/api/x', '/api/x'],
  ])('%s → %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });
});

describe('readiness', () => {
  it('is 503 when the database cannot be reached', async () => {
    const broken = await startTestApp({}, { appUrl: 'postgres://cdp_app:x@127.0.0.1:1/cdp' });
    try {
      const res = await broken.request(null, { method: 'GET', url: '/api/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'not_ready', database: 'unreachable' });
      expect((await broken.request(null, { method: 'GET', url: '/api/health' })).statusCode).toBe(200);
    } finally {
      await broken.close();
    }
  });
});

describe('cdp start logs, for a person', () => {
  function sink() {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    return { lines, stream };
  }

  it('prints one short line per event: the time, the level unless info, the message and its cause', () => {
    const at = new Date(2026, 11, 6, 9, 12, 3).getTime();
    expect(formatHumanLine({ level: 30, time: at, msg: 'upload ae.zip by a@b.c: 1 dataset' })).toBe(
      '09:12:03  upload ae.zip by a@b.c: 1 dataset\n',
    );
    expect(formatHumanLine({ level: 50, time: at, msg: 'job queue error', err: { message: 'connection lost' } })).toBe(
      '09:12:03  error  job queue error: connection lost\n',
    );
  });

  it('has no line per request at info; errors still show, and LOG_LEVEL=debug brings requests back', async () => {
    for (const level of ['info', 'debug'] as const) {
      const out = sink();
      const app = await startTestApp({}, { log: createLogger(level, 'human', out.stream), requestLogs: false });
      try {
        const tenant = await app.tenant();
        const session = await tenant.as('auditor');
        await app.request(session, { method: 'GET', url: '/api/studies' });
        await app.request(session, { method: 'GET', url: '/api/studies/not-a-uuid' });
        app.ctx.log.warn('a warning for the person');
        const text = out.lines.join('');
        expect(text).not.toMatch(/^\{/m);
        expect(text).toMatch(/^\d\d:\d\d:\d\d {2}warning {2}a warning for the person$/m);
        if (level === 'info') expect(text).not.toMatch(/incoming request|request completed/);
        else expect(text).toMatch(/request completed/);
      } finally {
        await app.close();
      }
    }
  });
});
