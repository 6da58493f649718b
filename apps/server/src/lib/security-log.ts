import { createHash } from 'node:crypto';
import type { SecurityEventKind } from '@cdp/contracts';
import type { Database } from '@cdp/db';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';

/** One occurrence, before aggregation. */
export interface SecurityEvent {
  /** Whose log it goes into. */
  orgId: string;
  kind: SecurityEventKind;
  actor?: { type: string; id: string | null; label: string } | null;
  actorOrgId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  method?: string | null;
  /** The route template (`/api/studies/:id`), never the raw URL. */
  route?: string | null;
  status?: number | null;
  targetOrgId?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
  detail?: Record<string, unknown> | null;
  redacted?: boolean;
}

interface Aggregate {
  event: SecurityEvent;
  windowStart: Date;
  fingerprint: string;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  resourceIds: string[];
}

export interface SecurityLogOptions {
  /** Length of an aggregation window. */
  windowMs?: number;
  /** How often buffered events are written. */
  flushMs?: number;
  /**
   * Most distinct rows one process writes per window; beyond it, events fold into one
   * "overflow" row per organization and kind. Bounds the table's growth under any flood.
   */
  maxRowsPerWindow?: number;
}

const SAMPLE_IDS = 5;

/**
 * The security log's writer. Events are counted in memory per (window, identical event) and
 * written every few seconds as one upsert, so a flood of a million denied requests is a handful
 * of rows with large counts, and the request that caused an event never waits for the write.
 * Rows of every organization are written together, so the write runs in system context.
 */
export class SecurityLog {
  private readonly windowMs: number;
  private readonly maxRowsPerWindow: number;
  private buffer = new Map<string, Aggregate>();
  /** Distinct rows started per window by this process (window start → count). */
  private rowsInWindow = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  /** Events still being classified (answers already sent): a flush waits for them. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly database: Database,
    private readonly log: Logger,
    options: SecurityLogOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxRowsPerWindow = options.maxRowsPerWindow ?? 200;
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? 5_000);
    this.timer.unref();
  }

  record(event: SecurityEvent, at = new Date()): void {
    const windowStart = new Date(Math.floor(at.getTime() / this.windowMs) * this.windowMs);
    let fingerprint = fingerprintOf(event);
    let key = `${event.orgId}|${windowStart.getTime()}|${fingerprint}`;
    let existing = this.buffer.get(key);
    if (!existing) {
      const started = this.rowsInWindow.get(windowStart.getTime()) ?? 0;
      if (started >= this.maxRowsPerWindow) {
        // Too many distinct events this window: count them without their details.
        event = {
          orgId: event.orgId,
          kind: event.kind,
          redacted: event.redacted,
          detail: { overflow: true, note: 'More distinct events than the log keeps per minute; counted only.' },
        };
        fingerprint = `overflow:${event.kind}`;
        key = `${event.orgId}|${windowStart.getTime()}|${fingerprint}`;
        existing = this.buffer.get(key);
      } else {
        this.rowsInWindow.set(windowStart.getTime(), started + 1);
      }
    }
    if (existing) {
      existing.count++;
      existing.lastSeen = at;
      if (
        event.resourceId &&
        existing.resourceIds.length < SAMPLE_IDS &&
        !existing.resourceIds.includes(event.resourceId)
      ) {
        existing.resourceIds.push(event.resourceId);
      }
      return;
    }
    this.buffer.set(key, {
      event,
      windowStart,
      fingerprint,
      count: 1,
      firstSeen: at,
      lastSeen: at,
      resourceIds: event.resourceId ? [event.resourceId] : [],
    });
    // Forget the per-window row counts of windows that are over.
    for (const start of this.rowsInWindow.keys()) {
      if (start < windowStart.getTime()) this.rowsInWindow.delete(start);
    }
  }

  /**
   * Work that will `record` events later (the classification of an answer already sent): a flush
   * waits for it, so a reader of the log sees every answer that came before its request.
   */
  track(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work)).catch(() => undefined);
  }

  /** Writes what is buffered (after the classifications under way); resolves when it is in the database. */
  flush(): Promise<void> {
    const pending = [...this.pending];
    this.flushing = this.flushing.then(async () => {
      await Promise.allSettled(pending);
      await this.write();
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.buffer.size === 0) return;
    const batch = [...this.buffer.values()];
    this.buffer = new Map();
    try {
      await this.database.system(async (tx) => {
        for (const a of batch) {
          const e = a.event;
          await tx.execute(sql`
            insert into security_events (org_id, kind, window_start, fingerprint, count, first_seen_at, last_seen_at,
              actor_type, actor_id, actor_label, actor_org_id, ip, user_agent, method, route, status, target_org_id,
              resource_type, resource_ids, detail, redacted)
            values (${e.orgId}, ${e.kind}, ${a.windowStart.toISOString()}, ${a.fingerprint}, ${a.count},
              ${a.firstSeen.toISOString()}, ${a.lastSeen.toISOString()}, ${e.actor?.type ?? null},
              ${e.actor?.id ?? null}, ${e.actor?.label ?? null}, ${e.actorOrgId ?? null}, ${e.ip ?? null},
              ${e.userAgent ?? null}, ${e.method ?? null}, ${e.route ?? null}, ${e.status ?? null},
              ${e.targetOrgId ?? null}, ${e.resourceType ?? null},
              ${a.resourceIds.length > 0 ? JSON.stringify(a.resourceIds) : null}::jsonb,
              ${e.detail ? JSON.stringify(e.detail) : null}::jsonb, ${e.redacted ?? false})
            on conflict (org_id, window_start, fingerprint) do update set
              count = security_events.count + excluded.count,
              last_seen_at = greatest(security_events.last_seen_at, excluded.last_seen_at),
              resource_ids = case
                when jsonb_array_length(coalesce(security_events.resource_ids, '[]')) >= ${SAMPLE_IDS}
                  then security_events.resource_ids
                else coalesce(security_events.resource_ids, '[]') || coalesce(excluded.resource_ids, '[]') end`);
        }
      });
    } catch (error) {
      // The security log must never take a request down with it; the failure itself is logged.
      this.log.error({ err: error, rows: batch.length }, 'could not write the security log');
    }
  }
}

/** What makes two events "identical": everything but the time and the resource id. */
function fingerprintOf(e: SecurityEvent): string {
  const parts = [
    e.kind,
    e.actor?.type,
    e.actor?.id ?? e.actor?.label,
    e.actorOrgId,
    e.ip,
    e.method,
    e.route,
    e.status,
    e.targetOrgId,
    e.resourceType,
    e.redacted,
    JSON.stringify(e.detail ?? null),
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}
