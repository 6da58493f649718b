import os from 'node:os';
import path from 'node:path';
import { createDatabase, runMigrations, setAppRolePassword } from '@cdp/db';
import { releaseIdleDslMemory } from '@cdp/pipelines';
import type { FastifyInstance } from 'fastify';
import { AccessTokens } from './auth/tokens.ts';
import { EMBEDDED_MODES, SERVER_MODES, type ServerMode } from './cli/modes.ts';
import { type Config, listenHost, loadConfig } from './config.ts';
import { loadRenderers } from './exports/renderers.ts';
import { keepConversionWorker, setConversionThreadNice, warmUpConversion } from './ingest/convert-in-worker.ts';
import { recoverInterruptedWork } from './ingest/recover-interrupted-work.ts';
import { installJobQueue, startWorker, type Worker } from './jobs/queue.ts';
import type { AppContext } from './lib/context.ts';
import { releaseDuckDbMemoryAfterJobs, releaseFreedDuckDbMemory } from './lib/duckdb-memory.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './lib/embedded-postgres.ts';
import { setHeapGrowingPercent } from './lib/heap-growing.ts';
import { AlreadyRunningError, acquireInstanceLock } from './lib/instance-lock.ts';
import { createLogger } from './lib/logger.ts';
import { dbPoolWaitSeconds, watchDatabase } from './lib/metrics.ts';
import { startMetricsServer } from './lib/metrics-server.ts';
import { withMigrationLock } from './lib/migration-lock.ts';
import { lowerProcessPriority } from './lib/process-priority.ts';
import { holdRunLock, RUN_ID, runTempName } from './lib/process-run.ts';
import { loadOrCreateSecrets, type Secrets } from './lib/secrets.ts';
import { markShuttingDown } from './lib/shutdown.ts';
import { startTracing } from './lib/tracing.ts';
import { warmPipelineEngines } from './pipelines/warm-up.ts';

const USAGE = `cdp — the Clinical Dashboard Platform

Usage: cdp <mode>        (npx cdp <mode>, or npm run cdp -- <mode>)

  start     everything in one process: embedded PostgreSQL (unless DATABASE_URL is set),
            migrations, demo seed on first run, API + worker + web   (what \`npm start\` runs)
  api       the HTTP API and web app only, against DATABASE_URL
  worker    the background job worker only, against DATABASE_URL
  migrate   apply database migrations (and install the job queue) with DATABASE_URL
  seed      create the platform administrator and, unless CDP_SEED_DEMO=false, the demo tenant
  secrets rotate
            re-encrypt data-source credentials under a new key (CDP_SECRET_KEY, or a new one
            generated into DATA_DIR/secrets.json); run with \`cdp start\` stopped when embedded
  keys rotate
            re-wrap every study's PHI encryption key under a new master key (CDP_MASTER_KEY, or
            a new one generated into DATA_DIR/secrets.json); run with \`cdp start\` stopped when embedded
  backup --out DIR [--include-keys]
            the database (one consistent snapshot, queued jobs included) and every data version,
            checked against their manifests' sha256, into a new folder; --include-keys adds the
            keys that decrypt credentials, PHI and second factors (keys.json: guard it)
  restore DIR
            a backup into an empty installation of the same release (migrates it first)
  demo generate --out DIR [--subjects N --sites S --format xpt|parquet|csv --seed N]
            write a synthetic SDTM study to files (\`cdp demo --help\` for all options)
  help      this text

Configuration is by environment variable; see README.md.`;

type Mode = ServerMode;

interface Connections {
  adminUrl: string;
  appUrl: string;
  /** Password to give the cdp_app role, when this process decides it. */
  appPassword: string | null;
  embedded: EmbeddedPostgres | null;
}

function withCredentials(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

async function connect(config: Config, secrets: Secrets, mode: Mode, log: AppContext['log']): Promise<Connections> {
  if (config.databaseUrl) {
    const appPassword = config.databaseAppPassword ?? null;
    const appUrl =
      config.databaseAppUrl ?? (appPassword ? withCredentials(config.databaseUrl, 'cdp_app', appPassword) : null);
    if (!appUrl && mode !== 'migrate') {
      throw new Error(
        'DATABASE_URL is set, so CDP needs to know how to connect as the application role cdp_app: ' +
          'set DATABASE_APP_URL, or DATABASE_APP_PASSWORD (then `cdp migrate` gives cdp_app that password).',
      );
    }
    return { adminUrl: config.databaseUrl, appUrl: appUrl ?? '', appPassword, embedded: null };
  }
  if (!EMBEDDED_MODES.includes(mode)) {
    throw new Error(`\`cdp ${mode}\` runs against an external database: set DATABASE_URL (and DATABASE_APP_PASSWORD).`);
  }
  const embedded = await startEmbeddedPostgres({
    dir: path.join(config.dataDir, 'pg'),
    port: config.embeddedPgPort,
    password: secrets.pgSuperPassword,
    log,
    durable: config.embeddedPgDurable,
  });
  return {
    adminUrl: embedded.adminUrl,
    appUrl: withCredentials(embedded.adminUrl, 'cdp_app', secrets.appDbPassword),
    appPassword: secrets.appDbPassword,
    embedded,
  };
}

async function migrate(connections: Connections): Promise<void> {
  await withMigrationLock(connections.adminUrl, async () => {
    await runMigrations(connections.adminUrl);
    if (connections.appPassword) await setAppRolePassword(connections.adminUrl, connections.appPassword);
    await installJobQueue(connections.adminUrl);
  });
}

function demoPassword(config: Config, secrets: Secrets): string {
  return config.demoPassword ?? secrets.demoPassword;
}

async function banner(config: Config, password: string): Promise<string> {
  const { DEMO_STUDY, DEMO_USERS, PLATFORM_ADMIN_EMAIL } = await import('./seed/seed.ts');
  const url = `http://localhost:${config.port}`;
  const host = listenHost(config, 'start');
  const loopbackOnly = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  const people = [
    [PLATFORM_ADMIN_EMAIL, 'platform administrator'],
    ...(config.seedDemo ? DEMO_USERS.map((u) => [u.email, `Demo Pharma · ${u.role.replace('_', ' ')}`]) : []),
  ];
  const width = Math.max(...people.map(([email]) => email?.length ?? 0));
  return [
    '',
    '  CDP — Clinical Dashboard Platform is running',
    '',
    `  Open        ${url}`,
    `  API docs    ${url}/api/docs`,
    `  Data        ${config.dataDir}`,
    loopbackOnly
      ? '  Network     only this computer (listening on 127.0.0.1); to open it to others: HOST=0.0.0.0 npm start'
      : `  Network     listening on ${host}: anyone who reaches this machine can open it`,
    '',
    `  Sign in with password ${password} as:`,
    ...people.map(([email, role]) => `    ${email?.padEnd(width)}  ${role}`),
    ...(config.seedDemo ? ['', `  Demo study  ${DEMO_STUDY.code} in organization "Demo Pharma" (code demo)`] : []),
    '',
    '  Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const mode = (process.argv[2] ?? 'start') as Mode | 'help' | '--help' | '-h';
  if (mode === 'help' || mode === '--help' || mode === '-h') {
    console.log(USAGE);
    return;
  }
  if ((mode as string) === 'demo') {
    // Needs no database: it only writes files.
    try {
      const { demoGenerate } = await import('./cli/demo-generate.ts');
      await demoGenerate(process.argv.slice(3));
    } catch (error) {
      console.error(`\ncdp demo: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
    return;
  }
  if (mode === 'secrets' && process.argv[3] !== 'rotate') {
    console.error(`Usage: cdp secrets rotate\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (mode === 'keys' && process.argv[3] !== 'rotate') {
    console.error(`Usage: cdp keys rotate\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (!(SERVER_MODES as readonly string[]).includes(mode)) {
    console.error(`Unknown mode "${mode}".\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }

  const config = loadConfig();
  // Before any conversion thread starts (it applies to them too: V8 flags are per process).
  setHeapGrowingPercent(config.heapGrowingPercent);
  // `cdp start` is read by a person: short human lines. The production roles log JSON, each line
  // naming its process (role and run id: the id pipeline runs record as their worker).
  const log =
    mode === 'start'
      ? createLogger(config.logLevel, 'human')
      : createLogger(config.logLevel, 'json').child({ role: mode, run: RUN_ID });
  // Background CPU work yields to request handling on a shared machine (lib/process-priority.ts):
  // a worker's jobs as a whole, and every role's upload conversion threads.
  setConversionThreadNice(config.backgroundNice);
  keepConversionWorker(config.conversionKeepWorker);
  releaseIdleDslMemory(config.duckdbReleaseIdleMemory);
  if (mode === 'worker' && config.backgroundNice > 0 && lowerProcessPriority(config.backgroundNice) === 0) {
    log.warn(`BACKGROUND_NICE=${config.backgroundNice}: the system refused to lower this worker's priority`);
  }
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        log.warn({ err: error }, 'error while stopping');
      }
    }
    cleanups.length = 0;
  };
  // OTEL_EXPORTER_OTLP_ENDPOINT set: spans of requests, queries and jobs go there (lib/tracing.ts).
  const tracing = await startTracing({
    endpoint: config.otelEndpoint,
    serviceName: config.otelServiceName ?? `cdp-${mode}`,
  });
  if (tracing) {
    cleanups.push(() => tracing.shutdown());
    log.info(`traces are sent to ${new URL(config.otelEndpoint ?? '').origin} over OTLP/HTTP`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn('second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    markShuttingDown();
    log.info({ signal }, 'stopping');
    await cleanup();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  try {
    if (mode === 'start' || (EMBEDDED_MODES.includes(mode) && !config.databaseUrl)) {
      cleanups.push(await acquireInstanceLock(config.dataDir, config.port));
    }
    const secrets = await loadOrCreateSecrets(config.dataDir);
    const connections = await connect(config, secrets, mode, log);
    if (connections.embedded) cleanups.push(() => connections.embedded?.stop());

    if (mode === 'backup' || mode === 'restore') {
      if (mode === 'restore') await migrate(connections);
      const { backupOrRestore } = await import('./ops/backup-command.ts');
      const summary = await backupOrRestore(mode, process.argv.slice(3), connections.adminUrl, config, log);
      log.info(summary, mode === 'backup' ? 'backup written' : 'backup restored');
      return await cleanup();
    }

    if (mode === 'migrate' || mode === 'start') await migrate(connections);
    if (mode === 'migrate') {
      log.info('migrations applied');
      return await cleanup();
    }
    if (mode === 'secrets') {
      const database = createDatabase({ connectionString: connections.appUrl, max: 2, applicationName: 'cdp-secrets' });
      cleanups.push(() => database.close());
      const { rotateDataSourceSecrets } = await import('./cli/secrets-rotate.ts');
      const rotated = await rotateDataSourceSecrets({ config, database });
      console.log(`Re-encrypted ${rotated.reencrypted} data-source credential(s) under key ${rotated.keyId}.`);
      return await cleanup();
    }
    if (mode === 'keys') {
      const database = createDatabase({ connectionString: connections.appUrl, max: 2, applicationName: 'cdp-keys' });
      cleanups.push(() => database.close());
      const { rotateMasterKey } = await import('./cli/keys-rotate.ts');
      const rotated = await rotateMasterKey({ config, database });
      console.log(`Re-wrapped ${rotated.rewrapped} study PHI key(s) under master key ${rotated.keyId}.`);
      return await cleanup();
    }

    const database = createDatabase({
      connectionString: connections.appUrl,
      max: config.databasePoolSize,
      applicationName: `cdp-${mode}`,
      onConnectionWait: (seconds) => dbPoolWaitSeconds.observe(seconds),
    });
    cleanups.push(() => database.close());
    watchDatabase(database.pool);
    const ctx: AppContext = {
      config,
      database,
      log,
      tokens: new AccessTokens(config.jwtSecret ?? secrets.jwtSecret, config.accessTokenTtlSeconds),
    };

    // Before any work: hold this run's lock (its temp files are then known to be live), and clear
    // what stopped runs left behind.
    cleanups.push(await holdRunLock(connections.appUrl));
    if (mode !== 'seed') {
      const recovered = await recoverInterruptedWork(ctx);
      if (recovered.orphans > 0 || recovered.tempRemoved > 0) {
        log.warn(recovered, 'cleared what interrupted uploads left (see the audit trail for quarantined folders)');
      }
    }

    if (mode === 'seed' || mode === 'start') {
      const { seed } = await import('./seed/seed.ts');
      const password = demoPassword(config, secrets);
      const { createdUsers } = await seed(ctx, { password, demo: config.seedDemo });
      if (createdUsers.length > 0) log.info({ users: createdUsers }, 'seeded users');
      if (config.seedDemo) {
        const { loadDemoData } = await import('./seed/load-demo-data.ts');
        const demo = await loadDemoData(ctx);
        if (demo.loaded) log.info({ rows: demo.rows }, 'loaded generated demo data into the demo study');
        const { seedDemoStudyDashboard } = await import('./seed/demo-dashboard.ts');
        const dashboard = await seedDemoStudyDashboard(ctx);
        if (dashboard.created)
          log.info(
            { unmapped: dashboard.unmapped },
            'created the Clinical Study Overview and review dashboards for the demo study',
          );
      } else if (config.demoPassword && config.demoPassword !== secrets.demoPassword) {
        log.warn('CDP_DEMO_PASSWORD only applies when the demo users are first created; they already exist.');
      }
    }
    if (mode === 'seed') return await cleanup();

    const metricsServer = await startMetricsServer(ctx);
    if (metricsServer) {
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            metricsServer.close(() => resolve());
            metricsServer.closeAllConnections();
          }),
      );
    }

    let worker: Worker | null = null;
    if (mode === 'worker' || mode === 'start') {
      releaseDuckDbMemoryAfterJobs(config.duckdbReleaseIdleMemory, (error) =>
        log.warn({ err: error }, 'giving back DuckDB memory failed'),
      );
      // On SIGTERM running jobs get SHUTDOWN_GRACE_SECONDS to finish, then go back to the queue.
      worker = await startWorker(ctx, connections.appUrl, { graceMs: config.shutdownGraceSeconds * 1000 });
      cleanups.push(() => worker?.stop());
      // Only where asked: loaded, the renderers stay in the worker's memory (~170 MB) for good.
      if (config.exportRenderersAtStart) {
        loadRenderers()
          .then(({ warmRenderers }) => warmRenderers())
          .then(
            (ms) => log.debug(`export renderers ready in ${Math.round(ms)} ms`),
            (error: unknown) => log.warn({ err: error }, 'warming the export renderers failed'),
          );
      }
      // Nor the first pipeline run for opening DuckDB and compiling the run's code; what the
      // warm-up's work freed goes back to the system at once, as after a job.
      warmPipelineEngines(ctx)
        .then(async (ms) => {
          if (config.duckdbReleaseIdleMemory) await releaseFreedDuckDbMemory();
          return ms;
        })
        .then(
          (ms) => log.debug(`pipeline engines ready in ${Math.round(ms)} ms`),
          (error: unknown) => log.warn({ err: error }, 'warming the pipeline engines failed'),
        );
    }
    let app: FastifyInstance | null = null;
    if (mode === 'api' || mode === 'start') {
      // Loaded here, not at the top: a `cdp worker` has no use for the routes, Fastify and its plugins.
      const { buildApp } = await import('./app.ts');
      app = await buildApp(ctx, { requestLogs: mode !== 'start', sharedRateLimits: mode === 'api' });
      cleanups.push(() => app?.close());
      try {
        await app.listen({ port: config.port, host: listenHost(config, mode) });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new Error(`Port ${config.port} is already in use. Stop what uses it, or set PORT to another port.`);
        }
        throw error;
      }
      // Uploads are converted in this process: their code is compiled now, in the background,
      // rather than during the first users' uploads (issue 17).
      if (config.conversionWarmUpRounds > 0) {
        const started = performance.now();
        warmUpConversion(
          path.join(os.tmpdir(), runTempName('cdp-conversion-warm-up')),
          config.conversionWarmUpRounds,
        ).then(
          (rounds) =>
            log.debug(`conversion warmed up (${rounds} rounds) in ${Math.round(performance.now() - started)} ms`),
          (error: unknown) => log.warn({ err: error }, 'warming up the upload conversion failed'),
        );
      }
    }
    if (mode === 'start') {
      // The demo password is printed only where the seed chose it: it is in DATA_DIR anyway.
      console.log(await banner(config, demoPassword(config, secrets)));
    } else {
      log.info({ mode }, 'running');
    }
  } catch (error) {
    await cleanup();
    const message = error instanceof AlreadyRunningError || error instanceof Error ? error.message : String(error);
    console.error(`\ncdp ${mode}: ${message}\n`);
    if (!(error instanceof AlreadyRunningError)) log.debug({ err: error }, 'startup failed');
    process.exit(1);
  }
}

await main();
