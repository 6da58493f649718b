import type { Database } from '@cdp/db';
import type { Actor } from './actor.ts';

/** How often a process reads `auth_version`. */
export const AUTH_VERSION_POLL_MS = 250;
/** Without a successful read of `auth_version` for this long, the cache is not trusted (every request asks the database). */
export const AUTH_VERSION_STALE_MS = 1000;
const MAX_ENTRIES = 10_000;

interface Entry {
  actor: Actor;
  /** `auth_version` when the lookup that made the entry started. */
  version: number;
  storedAt: number;
  /** The session's idle seconds at lookup (sessions only), to keep honouring the idle limit. */
  idleSeconds: number;
  /** An API key's expiry (keys only). */
  expiresAt: Date | null;
}

/**
 * A short-lived, per-process cache of authenticated actors (docs/decisions.md, "Actor cache"),
 * keyed by session (id, user, organization) or by the hash of an API key's secret.
 *
 * Correct across API processes: triggers bump `auth_version` whenever something an actor is made
 * of changes (a session revoked, a user, organization, role, role assignment or key changed); each
 * process reads that number every 250 ms and empties its cache when it moved. An entry is served
 * only while it was made under the current number, is younger than `ttlSeconds`, and the number
 * was read less than a second ago; a lookup that raced a change is tagged with the older number and
 * never served. A process's own writes (any request that is not GET/HEAD/OPTIONS) re-read the
 * number before their answer leaves, so a revocation answered by one process holds on it at once;
 * on the others it holds within about a second (`AUTH_VERSION_STALE_MS`). Time-based ends hold
 * too: a role assignment's expiry is checked on every use; a session's maximum age and a key's
 * expiry within `ttlSeconds`/at once.
 */
export class ActorCache {
  private version: number | null = null;
  private readAt = 0;
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly database: Database,
    private readonly ttlSeconds: number,
  ) {}

  get enabled(): boolean {
    return this.ttlSeconds > 0;
  }

  /** Starts the poll (idempotent); the timer never keeps the process alive. */
  start(): void {
    if (!this.enabled || this.timer) return;
    this.timer = setInterval(() => void this.refresh(), AUTH_VERSION_POLL_MS);
    this.timer.unref();
    void this.refresh();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.entries.clear();
    this.version = null;
  }

  /** The version to tag a lookup with, or null when the cache must not be used now. */
  currentVersion(): number | null {
    if (!this.enabled) return null;
    this.start();
    if (this.version === null || performance.now() - this.readAt > AUTH_VERSION_STALE_MS) return null;
    return this.version;
  }

  get(key: string, idleLimitSeconds: number): Actor | null {
    const version = this.currentVersion();
    if (version === null) return null;
    const entry = this.entries.get(key);
    if (!entry) return null;
    const age = performance.now() - entry.storedAt;
    if (entry.version !== version || age > this.ttlSeconds * 1000) {
      this.entries.delete(key);
      return null;
    }
    // The session's idle limit keeps counting from the lookup; past it, the database decides (and ends it).
    if (entry.idleSeconds + age / 1000 > idleLimitSeconds) return null;
    if (entry.expiresAt && entry.expiresAt.getTime() <= Date.now()) return null;
    const now = Date.now();
    const grants = entry.actor.grants.filter((g) => !g.expiresAt || new Date(g.expiresAt).getTime() > now);
    return grants.length === entry.actor.grants.length ? entry.actor : { ...entry.actor, grants };
  }

  set(
    key: string,
    actor: Actor,
    version: number | null,
    extra: { idleSeconds?: number; expiresAt?: Date | null },
  ): void {
    if (version === null || version !== this.version) return;
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, {
      actor,
      version,
      storedAt: performance.now(),
      idleSeconds: extra.idleSeconds ?? 0,
      expiresAt: extra.expiresAt ?? null,
    });
  }

  /**
   * Reads `auth_version`; a new number empties the cache. Timer polls share one read in flight;
   * `fresh` starts a read of its own (after a write: a read begun before its commit proves nothing).
   */
  refresh(fresh = false): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    if (fresh) return this.read();
    this.polling ??= this.read().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async read(): Promise<void> {
    const started = performance.now();
    try {
      const { rows } = await this.database.pool.query<{ version: string }>(
        'select version from auth_version where id = 1',
      );
      // Reads may finish out of order: only one that started later than the held one counts.
      if (started <= this.readAt && this.version !== null) return;
      const version = Number(rows[0]?.version ?? 0);
      if (version !== this.version) this.entries.clear();
      this.version = version;
      // The read is as fresh as its start: a change committed after it is caught by the next one.
      this.readAt = started;
    } catch {
      // Unreadable (database down, pool closed): entries stop being trusted after AUTH_VERSION_STALE_MS.
    }
  }

  size(): number {
    return this.entries.size;
  }
}

const caches = new WeakMap<Database, ActorCache>();

/** The process's actor cache for this database (one per `AppContext.database`). */
export function actorCacheFor(database: Database, ttlSeconds: number): ActorCache {
  let cache = caches.get(database);
  if (!cache) {
    cache = new ActorCache(database, ttlSeconds);
    caches.set(database, cache);
  }
  return cache;
}
