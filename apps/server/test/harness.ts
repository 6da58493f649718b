import { mkdir, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import type { SystemRoleKey } from '@cdp/contracts';
import { createDatabase, type Database } from '@cdp/db';
import {
  type BuiltOrganization,
  type BuiltStudy,
  type BuiltUser,
  buildOrganization,
  buildStudy,
  buildUser,
  type UserSpec,
} from '@cdp/db/testing';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { actorCacheFor } from '../src/auth/actor-cache.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { AccessTokens } from '../src/auth/tokens.ts';
import { type Config, loadConfig } from '../src/config.ts';
import type { AppContext } from '../src/lib/context.ts';
import { createLogger } from '../src/lib/logger.ts';
import { TEST_PASSWORD } from './constants.ts';
import { sharedConversions } from './shared-conversions.ts';
import { testDatabase } from './test-database.ts';

export { TEST_PASSWORD };

export interface Session {
  user: BuiltUser;
  token: string;
  /** `cdp_refresh=<token>` as the browser would send it */
  cookie: string;
  refreshToken: string;
}

export interface Tenant {
  org: BuiltOrganization;
  study: BuiltStudy;
  /** a user with the given system role, organization-wide, signed in */
  as(role: SystemRoleKey, spec?: Partial<UserSpec>): Promise<Session>;
}

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  database: Database;
  /** Superuser connection: for setting up impossible states and tampering, never for the app. */
  admin: pg.Pool;
  /** Every registered route, with the zod schema of its JSON body when it takes one. */
  routes: { method: string; url: string; body?: unknown }[];
  passwordHash: string;
  login(email: string, password?: string): Promise<Session & { response: LightMyRequestResponse }>;
  request(session: Session | null, options: InjectOptions): Promise<LightMyRequestResponse>;
  user(spec: Omit<UserSpec, 'passwordHash'> & { passwordHash?: string }): Promise<BuiltUser>;
  tenant(): Promise<Tenant>;
  signIn(spec: Omit<UserSpec, 'passwordHash'>): Promise<Session>;
  close(): Promise<void>;
}

let sharedHash: Promise<string> | undefined;

/** A Fastify app on the run's real PostgreSQL, connected as the application role. */
export interface TestAppOptions {
  /** A logger to capture what the app logs (silent otherwise). */
  log?: AppContext['log'];
  /** Connect as this URL instead of the run's application role. */
  appUrl?: string;
  /** As `cdp start` builds it: no line per request (see buildApp). */
  requestLogs?: boolean;
  /**
   * Reuse an identical earlier conversion of the same upload (shared-conversions.ts): for files
   * that upload the whole pilot SDTM, which is then converted once per run.
   */
  reuseConversions?: boolean;
}

export async function startTestApp(overrides: Partial<Config> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  await mkdir(testDatabase().dataDir, { recursive: true });
  const dataDir = await mkdtemp(path.join(testDatabase().dataDir, 'app-'));
  const config: Config = {
    ...loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATA_FILES_DURABLE: 'false' }),
    ...overrides,
  };
  const database = createDatabase({ connectionString: options.appUrl ?? testDatabase().appUrl, max: 5 });
  const ctx: AppContext = {
    config,
    database,
    log: options.log ?? createLogger('silent'),
    tokens: new AccessTokens('test-jwt-secret-0123456789abcdef0123456789', config.accessTokenTtlSeconds),
    ...(options.reuseConversions ? { convertUpload: sharedConversions() } : {}),
  };
  const routes: TestApp['routes'] = [];
  const app = await buildApp(ctx, {
    logger: options.log !== undefined,
    ...(options.requestLogs === undefined ? {} : { requestLogs: options.requestLogs }),
    onRoute: (route) => {
      const body = route.schema?.body;
      for (const method of [route.method].flat()) routes.push({ method, url: route.url, body });
    },
  });
  await app.ready();
  const admin = new pg.Pool({ connectionString: testDatabase().adminUrl, max: 2 });
  // The superuser pool stands for a change made outside this app (another process, psql). The app
  // would notice it within AUTH_VERSION_STALE_MS (auth/actor-cache.ts); tests of an effect, not of
  // that delay, need it at once, so every admin query re-reads auth_version after it. The delay
  // itself is tested with `rawAdmin` in auth/actor-cache.test.ts.
  const rawQuery = admin.query.bind(admin) as (...args: unknown[]) => Promise<unknown>;
  const cache = actorCacheFor(database, config.actorCacheSeconds);
  admin.query = (async (...args: unknown[]) => {
    const result = await rawQuery(...args);
    await cache.refresh(true);
    return result;
  }) as typeof admin.query;
  sharedHash ??= hashPassword(TEST_PASSWORD);
  const passwordHash = await sharedHash;

  const t: TestApp = {
    app,
    ctx,
    database,
    admin,
    routes,
    passwordHash,
    async login(email, password = TEST_PASSWORD) {
      const response = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
      const body = response.json() as { accessToken?: string; user?: { id: string; orgId: string } };
      const refresh = response.cookies.find((c) => c.name === 'cdp_refresh');
      return {
        response,
        token: body.accessToken ?? '',
        refreshToken: refresh?.value ?? '',
        cookie: refresh ? `cdp_refresh=${refresh.value}` : '',
        user: { id: body.user?.id ?? '', email, orgId: body.user?.orgId ?? '' },
      };
    },
    request(session, options) {
      return app.inject({
        ...options,
        headers: { ...(session ? { authorization: `Bearer ${session.token}` } : {}), ...options.headers },
      });
    },
    user(spec) {
      return buildUser(database, { passwordHash, ...spec });
    },
    async signIn(spec) {
      const user = await t.user(spec);
      const session = await t.login(user.email);
      if (session.response.statusCode !== 200) {
        throw new Error(`sign-in of ${user.email} failed: ${session.response.body}`);
      }
      return { ...session, user };
    },
    async tenant() {
      const org = await buildOrganization(database);
      const study = await buildStudy(database, { orgId: org.id });
      return {
        org,
        study,
        as: (role, spec = {}) => t.signIn({ orgId: org.id, role, ...spec }),
      };
    },
    async close() {
      await app.close();
      await database.close();
      await admin.end();
    },
  };
  return t;
}

/** A multipart/form-data body with one file field, as a browser's FormData would send it. */
export function multipartFile(
  fileName: string,
  content: Buffer | string,
  field = 'file',
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----cdp-test-${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const payload = Buffer.concat([Buffer.from(head), Buffer.from(content), Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
