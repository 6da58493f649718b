import { migrationStatus } from '@cdp/db';
import type { AppContext } from './context.ts';

export interface Readiness {
  status: 'ready' | 'not_ready';
  database: 'ok' | 'unreachable';
  migrations: { current: boolean; applied: number; expected: number };
}

/** Ready when the database answers and its applied migrations match this build's. */
export async function readiness(ctx: AppContext): Promise<Readiness> {
  try {
    const status = await migrationStatus(ctx.database.pool);
    return {
      status: status.current ? 'ready' : 'not_ready',
      database: 'ok',
      migrations: { current: status.current, applied: status.applied, expected: status.expected },
    };
  } catch (error) {
    ctx.log.warn({ err: error }, 'readiness check failed');
    return { status: 'not_ready', database: 'unreachable', migrations: { current: false, applied: 0, expected: 0 } };
  }
}
