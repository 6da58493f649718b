import { type ConnectionCheck, ConnectorError, listRaveStudies, type RaveStudyChoice } from '@cdp/connectors';
import type { RaveAccountConfig, TestDataSourceConnection } from '@cdp/contracts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { decryptSecret, loadKeyring } from '../lib/secret-box.ts';
import { sourceRow } from '../policies/data-source.ts';
import type { DataSourceRow } from '../repositories/data-sources.repo.ts';
import { connectorFor } from './connectors.ts';

/** A connection test gives up after this long, answering what it knows. */
const TEST_TIMEOUT_MS = 60_000;

async function run(
  ctx: AppContext,
  type: DataSourceRow['type'],
  config: unknown,
  secret: string | null,
): Promise<ConnectionCheck> {
  try {
    return await connectorFor(ctx, type).test(config as never, secret, AbortSignal.timeout(TEST_TIMEOUT_MS));
  } catch (error) {
    // A connector's failure is the test's answer, not an error of this request.
    if (error instanceof ConnectorError) return { ok: false, message: error.message };
    if (error instanceof Error && error.name === 'TimeoutError') {
      return { ok: false, message: `No answer within ${TEST_TIMEOUT_MS / 1000} s.` };
    }
    throw error;
  }
}

/**
 * A test of settings not saved (yet): the wizard's, whose secret comes with the request and is not
 * kept, or an edited source's, whose saved secret is used when the request brings none.
 */
export async function testConnection(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  input: TestDataSourceConnection,
): Promise<ConnectionCheck> {
  if (input.type === 'folder') return run(ctx, input.type, input.config, null);
  let secret = input.secret ?? null;
  if (secret === null && input.sourceId) {
    secret = await storedSecret(ctx, await savedOfType(ctx, orgId, studyId, input.type, input.sourceId));
  }
  return run(ctx, input.type, input.config, secret);
}

async function savedOfType(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  type: DataSourceRow['type'],
  sourceId: string,
): Promise<DataSourceRow> {
  const row = await sourceRow(ctx, orgId, studyId, sourceId);
  if (row.type !== type) throw new AppError('VALIDATION_FAILED', `sourceId: not a ${type} source.`);
  return row;
}

async function storedSecret(ctx: AppContext, row: DataSourceRow): Promise<string | null> {
  return row.secretCiphertext ? decryptSecret(await loadKeyring(ctx.config), row.secretCiphertext) : null;
}

/** A saved source's test, with its stored configuration and secret. */
export async function testSavedSource(ctx: AppContext, row: DataSourceRow): Promise<ConnectionCheck> {
  return run(ctx, row.type, row.config, await storedSecret(ctx, row));
}

/** The Rave studies the account sees; a saved source's secret is used when the request brings none. */
export async function listRaveChoices(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  input: { config: RaveAccountConfig; secret?: string | undefined; sourceId?: string | undefined },
): Promise<RaveStudyChoice[]> {
  let secret = input.secret ?? null;
  if (secret === null && input.sourceId) {
    secret = await storedSecret(ctx, await savedOfType(ctx, orgId, studyId, 'rave', input.sourceId));
  }
  try {
    return await listRaveStudies(input.config, secret, AbortSignal.timeout(TEST_TIMEOUT_MS));
  } catch (error) {
    if (error instanceof ConnectorError) throw new AppError('INVALID_STATE', `Rave: ${error.message}`);
    throw error;
  }
}
