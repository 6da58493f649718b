import { type Connector, folderConnector, raveConnector, sftpConnector } from '@cdp/connectors';
import type { DataSourceType } from '@cdp/contracts';
import type { AppContext } from '../lib/context.ts';

/** The connector of a type of source; the configuration was checked against the type's schema when saved. */
export function connectorFor(ctx: AppContext, type: DataSourceType): Connector<never> {
  switch (type) {
    case 'rave':
      return raveConnector as Connector<never>;
    case 'sftp':
      return sftpConnector as Connector<never>;
    case 'folder':
      return folderConnector(ctx.config.importRoot) as Connector<never>;
  }
}
