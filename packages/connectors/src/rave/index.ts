import type { RaveSourceConfig } from '@cdp/contracts';
import { type Connector, ConnectorError, type RaveStudyChoice } from '../types.ts';

/**
 * SEAM (issue 13): the Medidata Rave Web Services connector. Branch 13-rave replaces these
 * placeholders with the RWS client, the streamed ODM merge and the simulator; the runtime
 * (branch 13-sources) calls exactly these two exports.
 */
export const raveConnector: Connector<RaveSourceConfig> = {
  async test() {
    throw new ConnectorError('The Rave connector is not built yet.');
  },
  async pull() {
    throw new ConnectorError('The Rave connector is not built yet.');
  },
};

/** The studies and environments the account can see (`GET /RaveWebServices/studies`). */
export async function listRaveStudies(
  _config: RaveSourceConfig,
  _secret: string | null,
  _signal: AbortSignal,
): Promise<RaveStudyChoice[]> {
  throw new ConnectorError('The Rave connector is not built yet.');
}
