import type { RaveAccountConfig, RaveSourceConfig } from '@cdp/contracts';
import { type ConnectionCheck, type Connector, ConnectorError, type RaveStudyChoice } from '../types.ts';
import { pullRave } from './pull.ts';
import { RwsClient } from './rws-client.ts';
import { attr, parseXmlResponse } from './xml-stream.ts';

/**
 * The Medidata Rave Web Services connector: `test` asks RWS for its version (and the studies the
 * account sees), `pull` reads the clinical data changed since the last successful pull, the
 * subjects, the audit records and the metadata, and merges them into a complete new version.
 * See docs/data-sources.md ("Medidata Rave") and pull.ts.
 */
export const raveConnector: Connector<RaveSourceConfig> = {
  test: testRave,
  pull: pullRave,
};

/**
 * Asks RWS for its version and the studies the account sees. With a project and environment, the
 * test passes only when that study is among them; without (the wizard, before the study is
 * picked), reaching the studies list is the test: the account works.
 */
async function testRave(
  config: RaveAccountConfig,
  secret: string | null,
  signal: AbortSignal,
): Promise<ConnectionCheck> {
  try {
    const client = new RwsClient(config, secret, { signal, attempts: 2, backoffMs: 500 });
    const version = (await client.text(await client.get('version'))).trim().slice(0, 100);
    // /version answers without checking the account on some servers: the studies list does.
    const studies = await listRaveStudies(config, secret, signal);
    const seen = `Rave ${version || '(version not given)'}, ${studies.length.toLocaleString('en-US')} ${studies.length === 1 ? 'study' : 'studies'} visible`;
    if (!config.project || !config.environment) {
      return studies.length > 0
        ? { ok: true, message: `${seen} to this account; pick the study and environment next.` }
        : { ok: false, message: `${seen}: the account has no RWS role on any study (ask your Rave administrator).` };
    }
    const study = `${config.project}(${config.environment})`;
    const visible = studies.some((s) => s.oid.toLowerCase() === study.toLowerCase());
    return {
      ok: visible,
      message: `${seen}${
        visible
          ? `, including ${study}`
          : `; ${study} is not among them (check the project, environment and the account's roles)`
      }.`,
    };
  } catch (error) {
    if (error instanceof ConnectorError) return { ok: false, message: error.message };
    throw error;
  }
}

/** The studies and environments the account can see (`GET /RaveWebServices/studies`). */
export async function listRaveStudies(
  config: RaveAccountConfig,
  secret: string | null,
  signal: AbortSignal,
): Promise<RaveStudyChoice[]> {
  const client = new RwsClient(config, secret, { signal, attempts: 2, backoffMs: 500 });
  const studies: RaveStudyChoice[] = [];
  let current: RaveStudyChoice | undefined;
  let inName = false;
  await parseXmlResponse(client, await client.get('studies'), {
    open(tag) {
      if (tag.name === 'Study') {
        const oid = attr(tag, 'OID');
        const match = /^(.*)\(([^()]*)\)$/.exec(oid);
        current = {
          oid,
          project: match?.[1] ?? oid,
          environment: match?.[2] ?? 'Prod',
          name: '',
        };
        studies.push(current);
      } else if (tag.name === 'StudyName' && current) inName = true;
    },
    text(text) {
      if (inName && current) current.name += text;
    },
    close(name) {
      if (name === 'StudyName') inName = false;
      if (name === 'Study' && current) {
        current.name = current.name.trim() || current.project;
        current = undefined;
      }
    },
  });
  return studies;
}
