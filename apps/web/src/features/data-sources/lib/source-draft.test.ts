import type { DataSource } from '@cdp/contracts';
import { RaveAccountConfig, RaveSourceConfig, SftpSourceConfig } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import {
  configOf,
  type Draft,
  draftOf,
  EMPTY_DRAFT,
  savedConfigOf,
  scheduleProblem,
  scheduleText,
  touchesConnection,
} from './source-draft.ts';

const saved = (over: Partial<DataSource>): DataSource => ({
  id: '00000000-0000-4000-8000-000000000001',
  studyId: '00000000-0000-4000-8000-000000000002',
  studyCode: 'S-1',
  name: 'Source',
  type: 'sftp',
  config: {},
  secret: { set: true, setAt: null, masked: null },
  schedule: null,
  enabled: true,
  autoActivate: false,
  lastPull: null,
  lastSuccessAt: null,
  nextRunAt: null,
  activePullId: null,
  createdAt: '2026-12-08T00:00:00.000Z',
  updatedAt: '2026-12-08T00:00:00.000Z',
  ...over,
});

describe('touchesConnection: what makes a test (and a confirmed host key) stale', () => {
  it.each<[keyof Draft, boolean]>([
    ['host', true],
    ['port', true],
    ['username', true],
    ['auth', true],
    ['secret', true],
    ['baseUrl', true],
    ['path', true],
    // Chosen after the test: must not drop the host key confirmed on it.
    ['remoteDir', false],
    ['pattern', false],
    ['archiveDir', false],
    ['project', false],
    ['environment', false],
    ['forms', false],
    ['cron', false],
    ['name', false],
  ])('%s → %s', (key, stale) => expect(touchesConnection(key)).toBe(stale));
});

describe('configOf', () => {
  it('a Rave account before its study is picked is a valid account config, not a source config', () => {
    const draft: Draft = { ...EMPTY_DRAFT, type: 'rave', baseUrl: 'https://rave.example', username: 'u' };
    const config = configOf(draft, null);
    expect(config).not.toHaveProperty('project');
    expect(RaveAccountConfig.safeParse(config).success).toBe(true);
    expect(RaveSourceConfig.safeParse(config).success).toBe(false);
  });

  it('reads forms from a comma- or space-separated list', () => {
    const draft: Draft = {
      ...EMPTY_DRAFT,
      type: 'rave',
      baseUrl: 'https://rave.example',
      username: 'u',
      project: 'P',
      environment: 'Prod',
      forms: ' DM, AE  VS,',
      includeAudit: true,
    };
    expect(RaveSourceConfig.parse(configOf(draft, null))).toMatchObject({
      forms: ['DM', 'AE', 'VS'],
      includeAudit: true,
    });
  });

  it('sFTP carries the confirmed fingerprint only when there is one', () => {
    const draft: Draft = { ...EMPTY_DRAFT, host: 'h', username: 'u', remoteDir: '/out' };
    expect(configOf(draft, null)).not.toHaveProperty('hostKeyFingerprint');
    expect(SftpSourceConfig.parse(configOf(draft, 'SHA256:abc'))).toMatchObject({ hostKeyFingerprint: 'SHA256:abc' });
  });
});

describe('the edit dialog round trip', () => {
  it('a saved source comes back unchanged, settings the dialog does not show included', () => {
    const config = {
      baseUrl: 'https://rave.example',
      auth: 'basic',
      username: 'u',
      project: 'P',
      environment: 'Prod',
      forms: ['DM'],
      includeAudit: true,
      pageSize: 500,
      timeoutSeconds: 60,
    };
    const source = saved({ type: 'rave', config, schedule: { cron: '0 6 * * 1-5', timeZone: 'Europe/Berlin' } });
    const draft = draftOf(source);
    expect(draft).toMatchObject({ scheduled: true, cron: '0 6 * * 1-5', timeZone: 'Europe/Berlin', forms: 'DM' });
    expect(savedConfigOf(source, draft, null)).toEqual(config);
  });

  it('emptying the archive folder or the forms takes; a re-confirmed key replaces the pinned one', () => {
    const source = saved({
      config: {
        host: 'h',
        port: 22,
        username: 'u',
        auth: 'password',
        remoteDir: '/out',
        pattern: '*.zip',
        archiveDir: '/done',
        hostKeyFingerprint: 'SHA256:old',
      },
    });
    const draft = { ...draftOf(source), archiveDir: '' };
    const config = savedConfigOf(source, draft, 'SHA256:new');
    expect(config).not.toHaveProperty('archiveDir');
    expect(config.hostKeyFingerprint).toBe('SHA256:new');
  });
});

describe('scheduleProblem', () => {
  it.each<[Partial<Draft>, string | null]>([
    [{ scheduled: false, cron: 'nonsense' }, null],
    [{ scheduled: true, cron: '0 6 * * 1-5', timeZone: 'Europe/Berlin' }, null],
    [{ scheduled: true, cron: '0 6 * *', timeZone: 'UTC' }, 'cron'],
    [{ scheduled: true, cron: '0 6 * * 1-5', timeZone: 'Europe/Berln' }, 'timeZone'],
  ])('%j → %s', (over, field) => {
    const problem = scheduleProblem({ ...EMPTY_DRAFT, ...over });
    expect(problem === null ? null : Object.keys(problem)[0]).toBe(field);
  });
});

describe('scheduleText', () => {
  it('shows the next run in the schedule’s own time zone, named', () => {
    const text = scheduleText({
      schedule: { cron: '0 6 * * 1-5', timeZone: 'Europe/Berlin' },
      nextRunAt: '2026-12-08T05:00:00.000Z',
    });
    expect(text).toMatch(/^Weekdays at 06:00 \(Europe\/Berlin\) · next .*6:00/);
    expect(scheduleText({ schedule: null, nextRunAt: null })).toBe('By hand only');
    expect(scheduleText({ schedule: { cron: '0 6 * * *', timeZone: 'UTC' }, nextRunAt: null })).toBe(
      'Every day at 06:00 (UTC) · paused',
    );
  });
});
