import { QueryEngine } from '@cdp/analytics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { exportEngine, offerDashboardEngine } from './export-engine.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

describe('the export jobs’ query engine', () => {
  it('is the API’s dashboards engine when both run in one process (its cached answers are reused)', async () => {
    const offered = exportEngine(t.ctx);
    // The API's dashboards plugin offered its engine when the test app was built.
    const own = new QueryEngine();
    const withdraw = offerDashboardEngine(own);
    expect(exportEngine(t.ctx)).toBe(own);
    withdraw();
    expect(exportEngine(t.ctx)).not.toBe(own);
    await own.close();
    expect(offered).toBeInstanceOf(QueryEngine);
  });

  it('falls back to one engine of its own, kept across exports, once the API closes', async () => {
    const app = await startTestApp();
    const apiEngine = exportEngine(app.ctx);
    await app.close();
    const fallback = exportEngine(app.ctx);
    expect(fallback).not.toBe(apiEngine);
    expect(exportEngine(app.ctx)).toBe(fallback);
  });
});
