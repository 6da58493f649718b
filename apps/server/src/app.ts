import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from './lib/context.ts';
import { authPlugin } from './plugins/auth.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { inputGuardPlugin } from './plugins/input-guard.ts';
import { noStorePlugin } from './plugins/no-store.ts';
import { observabilityPlugin } from './plugins/observability.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { phiAccessPlugin } from './plugins/phi-access.ts';
import { rateLimitsPlugin } from './plugins/rate-limits.ts';
import { securityEventsPlugin } from './plugins/security-events.ts';
import { securityHeadersPlugin } from './plugins/security-headers.ts';
import { sharedRateLimitStore } from './plugins/shared-rate-limit-store.ts';
import { tracingPlugin } from './plugins/tracing.ts';
import { webPlugin } from './plugins/web.ts';
import { apiKeyRoutes } from './routes/api-keys/api-keys.routes.ts';
import { auditRoutes } from './routes/audit/audit.routes.ts';
import { authRoutes } from './routes/auth/auth.routes.ts';
import { complianceRoutes } from './routes/compliance/compliance.routes.ts';
import { dashboardsPlugin } from './routes/dashboards/index.ts';
import { dataRoutes } from './routes/data/data.routes.ts';
import { dataSourcesPlugin } from './routes/data-sources/index.ts';
import { healthRoutes } from './routes/health/health.routes.ts';
import { homeRoutes } from './routes/home/home.routes.ts';
import { meRoutes } from './routes/me/me.routes.ts';
import { organizationRoutes } from './routes/organization/organization.routes.ts';
import { phiAccessRoutes } from './routes/phi/phi-access.routes.ts';
import { phiColumnRoutes } from './routes/phi/phi-columns.routes.ts';
import { pipelinesPlugin } from './routes/pipelines/index.ts';
import { studyDatasetRoutes } from './routes/pipelines/study-datasets.routes.ts';
import { platformOrganizationRoutes } from './routes/platform/organizations.routes.ts';
import { reviewPlugin } from './routes/review/index.ts';
import { roleRoutes } from './routes/roles/roles.routes.ts';
import { scheduledReportsPlugin } from './routes/scheduled-reports/index.ts';
import { securityRoutes } from './routes/security/security.routes.ts';
import { signatureRoutes } from './routes/signatures/signatures.routes.ts';
import { studyRoutes } from './routes/studies/studies.routes.ts';
import { roleAssignmentRoutes } from './routes/users/role-assignments.routes.ts';
import { userRoutes } from './routes/users/users.routes.ts';
import { webhookRoutes } from './routes/webhooks/webhooks.routes.ts';

export interface BuildAppOptions {
  /** Collects every registered route, for tests that must cover each one. */
  onRoute?: (route: { method: string | string[]; url: string; schema?: { body?: unknown } }) => void;
  logger?: boolean;
  /**
   * One log line per HTTP request (default). `cdp start` turns them off: a person reads that
   * terminal, so it shows warnings and errors only, unless LOG_LEVEL is debug or trace.
   */
  requestLogs?: boolean;
  /**
   * Count the per-address limits (sign-in, refresh) in PostgreSQL, shared by every API process
   * (`cdp api`); off, each process counts in its own memory, which is exact when there is one
   * (`cdp start`) and keeps test apps sharing one database from counting each other's sign-ins.
   */
  sharedRateLimits?: boolean;
}

function httpLogger(ctx: AppContext, options: BuildAppOptions): FastifyBaseLogger {
  if (options.logger === false) return ctx.log.child({}, { level: 'silent' }) as FastifyBaseLogger;
  if (options.requestLogs !== false || ctx.log.isLevelEnabled('debug')) return ctx.log as FastifyBaseLogger;
  // Request lines and "Server listening at" are info; errors and warnings still come through.
  const quiet = ctx.log.isLevelEnabled('warn') ? 'warn' : ctx.log.level;
  return ctx.log.child({}, { level: quiet }) as FastifyBaseLogger;
}

/** Helmet's headers (`plugins/security-headers.ts`): a strict CSP the web app's build satisfies. */
const SECURITY_HEADERS: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
      upgradeInsecureRequests: null,
    },
  },
};

export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: httpLogger(ctx, options),
    genReqId: () => randomUUID(),
    bodyLimit: ctx.config.bodyLimitBytes,
    trustProxy: ctx.config.trustProxy,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  // First, so authentication's and every later hook's queries belong to the request's span.
  if (ctx.config.otelEndpoint) await app.register(tracingPlugin);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(securityHeadersPlugin, { options: SECURITY_HEADERS });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    ...(options.sharedRateLimits ? { store: sharedRateLimitStore(ctx.database.pool) } : {}),
  });
  await app.register(errorsPlugin);
  await app.register(noStorePlugin);
  await app.register(inputGuardPlugin);
  await app.register(openapiPlugin);
  await app.register(authPlugin, { ctx });
  await app.register(observabilityPlugin);
  await app.register(securityEventsPlugin, { ctx });
  await app.register(rateLimitsPlugin, { ctx });
  await app.register(phiAccessPlugin, { ctx });

  await app.register(healthRoutes, { ctx });
  await app.register(authRoutes, { ctx });
  await app.register(meRoutes, { ctx });
  await app.register(organizationRoutes, { ctx });
  await app.register(studyRoutes, { ctx });
  await app.register(dataRoutes, { ctx });
  await app.register(dashboardsPlugin, { ctx });
  await app.register(pipelinesPlugin, { ctx });
  await app.register(studyDatasetRoutes, { ctx });
  await app.register(homeRoutes, { ctx });
  await app.register(userRoutes, { ctx });
  await app.register(roleAssignmentRoutes, { ctx });
  await app.register(roleRoutes, { ctx });
  await app.register(auditRoutes, { ctx });
  await app.register(apiKeyRoutes, { ctx });
  await app.register(securityRoutes, { ctx });
  await app.register(platformOrganizationRoutes, { ctx });
  await app.register(webhookRoutes, { ctx });
  await app.register(phiColumnRoutes, { ctx });
  await app.register(phiAccessRoutes, { ctx });
  await app.register(dataSourcesPlugin, { ctx });
  await app.register(signatureRoutes, { ctx });
  await app.register(complianceRoutes, { ctx });
  await app.register(scheduledReportsPlugin, { ctx });
  await app.register(reviewPlugin, { ctx });
  await app.register(webPlugin, { distDir: ctx.config.webDistDir });

  return app;
}
