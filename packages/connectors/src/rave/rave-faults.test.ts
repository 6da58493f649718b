import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PullHarness, simConfig } from '../testing/pull-harness.ts';
import { type RaveSimulator, startRaveSimulator } from '../testing.ts';
import { ConnectorError } from '../types.ts';
import { listRaveStudies, raveConnector } from './index.ts';
import { nextLink, retryAfterMs, rwsErrorDescription } from './rws-client.ts';

/**
 * The connector's bad input: every fault gives a ConnectorError naming the request and the reason,
 * transient ones are retried, cancel works, the secret never shows, and a failed pull leaves the
 * previous state as it was.
 */

let sim: RaveSimulator;
const SECRET = 'rave-password';
const REGULAR = 'GET /RaveWebServices/studies/CDP01(Prod)/datasets/regular';
const secrets = [SECRET, Buffer.from(`rave-user:${SECRET}`).toString('base64'), 'wrong-Secret-9', 'rave-bearer-token'];

beforeAll(async () => {
  sim = await startRaveSimulator({ subjects: 3, forms: 2, visits: 1, itemsPerForm: 4 });
});
afterAll(async () => {
  await sim.stop();
});
afterEach(() => sim.clearFaults());

async function failure(run: () => Promise<unknown>): Promise<ConnectorError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    const e = error as ConnectorError;
    for (const secret of secrets) expect(e.message).not.toContain(secret);
    return e;
  }
  throw new Error('expected the pull to fail');
}

describe('Rave connector faults', () => {
  it('retries a 500 and a 429 (waiting as Retry-After says) and succeeds', async () => {
    const harness = await PullHarness.create();
    try {
      sim.fault('status500');
      sim.fault('status429', { match: /subjects/ });
      const started = Date.now();
      const { outcome } = await harness.pull(simConfig(sim), SECRET);
      expect(outcome.kind).toBe('datasets');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900); // 1 s backoff + Retry-After: 1
      expect(harness.logs.join('\n')).toMatch(/datasets\/regular: HTTP 500; retrying in 1 s/);
      expect(harness.logs.join('\n')).toMatch(
        /subjects\?status=all&include=inactiveAndDeleted: HTTP 429; retrying in 1 s/,
      );
      for (const secret of secrets) expect(harness.logs.join('\n')).not.toContain(secret);
    } finally {
      await harness.dispose();
    }
  });

  it('a 500 that persists fails naming the request, after the retries', async () => {
    const harness = await PullHarness.create();
    try {
      sim.fault('status500', { times: 4 });
      const error = await failure(() => harness.pull(simConfig(sim), SECRET));
      expect(error.message).toBe(`Rave request ${REGULAR} failed: HTTP 500 (a Rave server error)`);
      expect(error.details).toMatchObject({ request: REGULAR, status: 500, retryable: true });
    } finally {
      await harness.dispose();
    }
  }, 20_000);

  it('a wrong password quotes the RWS error ODM and never the secret; test() says the same', async () => {
    const harness = await PullHarness.create();
    try {
      const error = await failure(() => harness.pull(simConfig(sim), 'wrong-Secret-9'));
      expect(error.message).toBe(
        'Rave request GET /RaveWebServices/studies/CDP01(Prod)/datasets/regular failed: HTTP 401 (the username and password or token were refused) — Rave says: "Incorrect login and password combination. [RWS00008]"',
      );
      const check = await raveConnector.test(simConfig(sim), 'wrong-Secret-9', new AbortController().signal);
      expect(check.ok).toBe(false);
      expect(check.message).toContain('GET /RaveWebServices/version failed: HTTP 401');
      expect(check.message).not.toContain('wrong-Secret-9');
    } finally {
      await harness.dispose();
    }
  });

  it('a study the account cannot see fails with Rave’s words; test() names it', async () => {
    const harness = await PullHarness.create();
    try {
      const config = simConfig(sim, { project: 'OTHER' });
      const error = await failure(() => harness.pull(config, SECRET));
      expect(error.message).toBe(
        'Rave request GET /RaveWebServices/studies/OTHER(Prod)/datasets/regular failed: HTTP 404 (not found: check the study, environment and URL) — Rave says: "The study OTHER(Prod) was not found or the user has no access to it. [RWS00101]"',
      );
      const check = await raveConnector.test(config, SECRET, new AbortController().signal);
      expect(check).toEqual({
        ok: false,
        message:
          "Rave 1.15.0, 2 studies visible; OTHER(Prod) is not among them (check the project, environment and the account's roles).",
      });
    } finally {
      await harness.dispose();
    }
  });

  it('malformed XML and a cut-off body fail naming the request; the previous state stays current', async () => {
    const harness = await PullHarness.create();
    try {
      await harness.pull(simConfig(sim), SECRET);
      const pointer = await readFile(path.join(harness.stateDir, 'state.json'), 'utf8');
      sim.fault('malformed');
      const malformed = await failure(() => harness.pull(simConfig(sim), SECRET));
      expect(malformed.message).toMatch(
        /^Rave request GET \/RaveWebServices\/studies\/CDP01\(Prod\)\/datasets\/regular\?start=[^ ]+ returned malformed ODM: line 2, column 102: unexpected close tag <\/ClinicalData> \(<SubjectData> is open\)$/,
      );
      sim.fault('cutoff');
      const cut = await failure(() => harness.pull(simConfig(sim), SECRET));
      expect(cut.message).toMatch(
        /^Rave request GET \/RaveWebServices\/studies\/CDP01\(Prod\)\/datasets\/regular\?start=[^ ]+ failed after [\d,]+ bytes: the connection was cut off$/,
      );
      expect(await readFile(path.join(harness.stateDir, 'state.json'), 'utf8')).toBe(pointer);
    } finally {
      await harness.dispose();
    }
  });

  it('a server that does not answer fails after the timeout, naming it; a single timeout is retried', async () => {
    const harness = await PullHarness.create();
    try {
      sim.fault('timeout', { match: /version/ });
      const check = await raveConnector.test(
        simConfig(sim, { timeoutSeconds: 1 }),
        SECRET,
        new AbortController().signal,
      );
      expect(check).toEqual({ ok: true, message: 'Rave 1.15.0, 2 studies visible, including CDP01(Prod).' });
      sim.fault('timeout', { match: /version/, times: 2 });
      const failed = await raveConnector.test(
        simConfig(sim, { timeoutSeconds: 1 }),
        SECRET,
        new AbortController().signal,
      );
      expect(failed).toEqual({
        ok: false,
        message: "Rave request GET /RaveWebServices/version failed: no answer within 1 s (the source's timeout)",
      });
    } finally {
      await harness.dispose();
    }
  });

  it('cancelling (AbortSignal) stops a pull at once with a clear message', async () => {
    const harness = await PullHarness.create();
    try {
      sim.fault('timeout');
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const started = Date.now();
      const error = await failure(() => harness.pull(simConfig(sim), SECRET, controller.signal));
      expect(error.message).toBe(`The pull was cancelled during ${REGULAR}.`);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await harness.dispose();
    }
  });

  it('lists the studies, with a bearer token too; a missing secret or username is said so', async () => {
    const signal = new AbortController().signal;
    expect(await listRaveStudies(simConfig(sim, { auth: 'bearer' }), 'rave-bearer-token', signal)).toEqual([
      { oid: 'CDP01(Prod)', project: 'CDP01', environment: 'Prod', name: 'CDP01 (Prod)' },
      { oid: 'SIMPLESTUDY(TEST)', project: 'SIMPLESTUDY', environment: 'TEST', name: 'SIMPLESTUDY (TEST)' },
    ]);
    await expect(listRaveStudies(simConfig(sim), null, signal)).rejects.toThrow(
      'The Rave source has no password or token; set one and try again.',
    );
    await expect(listRaveStudies(simConfig(sim, { username: undefined }), SECRET, signal)).rejects.toThrow(
      'The Rave source has no username; set one and try again.',
    );
  });

  it('reads a gzip-compressed answer (asked for with Accept-Encoding, as fetch asked)', async () => {
    // A gateway in front of the simulator that compresses every answer.
    const encodings: string[] = [];
    const gateway = http.createServer((req, res) => {
      encodings.push(String(req.headers['accept-encoding']));
      fetch(`${sim.url}${req.url}`, { headers: { authorization: String(req.headers.authorization) } })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': 'text/xml', 'content-encoding': 'gzip' });
          res.end(gzipSync(Buffer.from(await answer.arrayBuffer())));
        })
        .catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
      const check = await raveConnector.test(simConfig(sim, { baseUrl: url }), SECRET, new AbortController().signal);
      expect(check).toEqual({ ok: true, message: 'Rave 1.15.0, 2 studies visible, including CDP01(Prod).' });
      expect(encodings).toEqual(['gzip, deflate, br', 'gzip, deflate, br']);
    } finally {
      await new Promise((resolve) => gateway.close(resolve));
    }
  });

  it('a body that stops arriving fails after the timeout, saying so (not as a cut connection)', async () => {
    const stalling = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
      res.write('1.15'); // the rest never comes
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}`;
      const check = await raveConnector.test(
        simConfig(sim, { baseUrl: url, timeoutSeconds: 1 }),
        SECRET,
        new AbortController().signal,
      );
      expect(check).toEqual({
        ok: false,
        message: "Rave request GET /RaveWebServices/version failed: no answer within 1 s (the source's timeout)",
      });
    } finally {
      stalling.closeAllConnections();
      await new Promise((resolve) => stalling.close(resolve));
    }
  });

  it('parses Retry-After, Link and the RWS error ODM', () => {
    expect(retryAfterMs('3')).toBe(3_000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs(new Date(Date.now() + 5_000).toUTCString())).toBeGreaterThan(3_000);
    expect(nextLink('<https://x/RaveWebServices/a?startid=5>; rel="next", <https://x/b>; rel="prev"')).toBe(
      'https://x/RaveWebServices/a?startid=5',
    );
    expect(nextLink('<https://x/b>; rel="prev"')).toBeUndefined();
    expect(rwsErrorDescription('<ODM mdsol:ErrorDescription="A &amp; B &lt;x&gt; [RWS1]"/>')).toBe('A & B <x> [RWS1]');
  });
});
