import { migrationStatus } from '@cdp/db';
import type { AppContext } from './context.ts';
import { isShuttingDown } from './shutdown.ts';

export interface Readiness {
  status: 'ready' | 'not_ready';
  database: 'ok' | 'unreachable';
  migrations: { current: boolean; applied: number; expected: number };
}

/**
 * Ready when the database answers, its applied migrations match this build's, and the process is
 * not stopping: while it drains (SIGTERM) a load balancer must send new requests elsewhere.
 */
export async function readiness(ctx: AppContext): Promise<Readiness> {
  try {
    const status = await migrationStatus(ctx.database.pool);
    return {
      status: status.current && !isShuttingDown() ? 'ready' : 'not_ready',
      database: 'ok',
      migrations: { current: status.current, applied: status.applied, expected: status.expected },
    };
  } catch (error) {
    ctx.log.warn({ err: error }, 'readiness check failed');
    return { status: 'not_ready', database: 'unreachable', migrations: { current: false, applied: 0, expected: 0 } };
  }
}
