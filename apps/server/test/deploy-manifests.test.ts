import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUILT_MAIN, ROOT } from '../../../scripts/cdp-process.ts';
import { SERVER_MODES } from '../src/cli/modes.ts';
import { CONFIG_ENV_NAMES, loadConfig } from '../src/config.ts';
import { metricsRegistry, watchDatabase } from '../src/lib/metrics.ts';
import { ADMIN_PATHS } from '../src/lib/metrics-server.ts';
import { startTestApp, type TestApp } from './harness.ts';

/**
 * No container engine runs here, so the Dockerfile, deploy/compose.yaml, deploy/Caddyfile and the
 * Helm chart are kept in step with the code by reading them: every mode they start, environment
 * variable they set, port and path they probe must be one the CLI, config.ts and the routes know.
 */

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
/** Variables the runtime reads that are not CDP settings. */
const RUNTIME_ENV = new Set(['NODE_ENV', 'UV_THREADPOOL_SIZE', 'NODE_OPTIONS']);
const knownEnv = (name: string) => CONFIG_ENV_NAMES.includes(name) || RUNTIME_ENV.has(name);

let t: TestApp;
let httpPaths: Set<string>;

beforeAll(async () => {
  t = await startTestApp();
  httpPaths = new Set(t.routes.filter((r) => r.method === 'GET').map((r) => r.url));
});
afterAll(() => t.close());

function workspaceDirs(): string[] {
  return ['apps', 'packages'].flatMap((top) =>
    readdirSync(path.join(ROOT, top))
      .map((name) => `${top}/${name}`)
      .filter((dir) => existsSync(path.join(ROOT, dir, 'package.json'))),
  );
}

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const stages = [...text.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);

  it('copies every workspace package.json before npm ci, so a new package cannot break the image', () => {
    const copied = [...text.matchAll(/^COPY (\S+)\/package\.json \1\/package\.json$/gm)].map((m) => m[1]);
    expect(copied.sort()).toEqual(workspaceDirs().sort());
  });

  it('runs the production build as a non-root user, with a health check on a real route', () => {
    expect(stages).toEqual(['build', 'deps', 'api', 'worker']);
    const entry = /^ENTRYPOINT \["node", "(\S+)"\]$/m.exec(text)?.[1];
    expect(path.join(ROOT, entry ?? '')).toBe(BUILT_MAIN);
    expect(read('scripts/build-server.mjs')).toContain("path.join(out, 'main.js')");
    for (const [, mode] of text.matchAll(/^CMD \["(\S+)"\]$/gm)) expect(SERVER_MODES).toContain(mode);
    expect(text).toMatch(/^USER node$/m);
    const checks = [...text.matchAll(/HEALTHCHECK[\s\S]*?process\.env\.(\w+)\+'(\/\S+?)'/g)];
    expect(checks.map((m) => [m[1], m[2]])).toEqual([
      ['PORT', '/api/health'],
      ['METRICS_PORT', '/healthz'],
    ]);
    expect(httpPaths.has('/api/health')).toBe(true);
    expect(ADMIN_PATHS).toContain('/healthz');
  });

  it('sets only settings config.ts knows, exposes the ports it sets, and puts the Python sandbox in the worker only', () => {
    const env = Object.fromEntries(
      [...text.matchAll(/(?:ENV |^\s+)([A-Z][A-Z0-9_]*)=(\S+?)(?: \\)?$/gm)].map((m) => [m[1], m[2]]),
    );
    for (const name of Object.keys(env)) expect(knownEnv(name), name).toBe(true);
    const exposed = /^EXPOSE (.+)$/m.exec(text)?.[1]?.split(' ');
    expect(exposed).toEqual([env.PORT, env.METRICS_PORT]);
    const worker = text.slice(text.indexOf('AS worker'));
    expect(worker).toMatch(/python3-pandas/);
    expect(worker).toMatch(/bubblewrap/);
    // The API image gets fonts for the exports, never the Python sandbox.
    const api = text.slice(0, text.indexOf('AS worker'));
    expect(api).not.toMatch(/apt-get install[^\n]*(python3|bubblewrap)/);
    expect(api).toMatch(/fonts-dejavu-core/);
    expect(text).not.toMatch(/apt-get install.*chromium/);
  });
});

describe('deploy/compose.yaml and deploy/Caddyfile', () => {
  const compose = parse(read('deploy/compose.yaml'), { merge: true }) as {
    services: Record<
      string,
      {
        image?: string;
        build?: { context: string; target: string };
        command?: string[];
        environment?: Record<string, string>;
        volumes?: string[];
        cpu_shares?: number;
      }
    >;
  };
  const caddy = read('deploy/Caddyfile');
  const dockerStages = [...read('Dockerfile').matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
  const cdpServices = Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('cdp-'));

  it('runs PostgreSQL, one migration, two APIs, two workers and a TLS proxy', () => {
    const modes = cdpServices.map(([, s]) => s.command?.[0]).sort();
    expect(modes).toEqual(['api', 'api', 'migrate', 'worker', 'worker']);
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'proxy']));
  });

  it('gives CDP only settings config.ts knows, with one shared data volume at DATA_DIR', () => {
    for (const [name, service] of cdpServices) {
      expect(SERVER_MODES, name).toContain(service.command?.[0]);
      expect(dockerStages, name).toContain(service.build?.target);
      expect(service.build?.context).toBe('..');
      for (const key of Object.keys(service.environment ?? {})) expect(knownEnv(key), `${name}: ${key}`).toBe(true);
      const dataDir = service.environment?.DATA_DIR;
      expect(service.volumes, name).toEqual([`cdp-data:${dataDir}`]);
      if (service.command?.[0] === 'worker') expect(service.build?.target).toBe('worker');
    }
  });

  it('gives the workers a smaller CPU weight than the APIs, so requests get a busy host first', () => {
    for (const [name, service] of cdpServices) {
      const weight = service.cpu_shares ?? 1024;
      if (service.command?.[0] === 'worker') expect(weight, name).toBeLessThan(1024);
      else expect(weight, name).toBe(1024);
    }
  });

  it('the proxy sends to every API on its PORT and checks a real readiness route', () => {
    const apis = cdpServices.filter(([, s]) => s.command?.[0] === 'api');
    const upstreams = /reverse_proxy ([^{]+)\{/.exec(caddy)?.[1]?.trim().split(/\s+/);
    expect(upstreams?.sort()).toEqual(apis.map(([name, s]) => `${name}:${s.environment?.PORT}`).sort());
    const health = /health_uri (\S+)/.exec(caddy)?.[1] ?? '';
    expect(httpPaths.has(health), health).toBe(true);
    expect(read('deploy/compose.yaml')).toContain('./Caddyfile:/etc/caddy/Caddyfile');
  });
});

describe('deploy/helm/cdp', () => {
  const dir = 'deploy/helm/cdp';
  const values = parse(read(`${dir}/values.yaml`)) as Record<string, unknown> & { config: Record<string, string> };
  const templates = readdirSync(path.join(ROOT, dir, 'templates')).map((f) => ({
    file: f,
    text: read(`${dir}/templates/${f}`),
  }));
  const all = templates.map((x) => x.text).join('\n');

  it('is a chart with api and worker Deployments, a migration Job, a Secret, an RWX claim and a worker HPA', () => {
    expect(parse(read(`${dir}/Chart.yaml`))).toMatchObject({ apiVersion: 'v2', name: 'cdp' });
    const kinds = [...all.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]).sort();
    expect(kinds).toEqual(
      [
        'Deployment',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Job',
        'PersistentVolumeClaim',
        'Secret',
        'Service',
      ].sort(),
    );
    expect(all).toContain('accessModes: [ReadWriteMany]');
    expect(all).toMatch(/helm\.sh\/hook: pre-install,pre-upgrade/);
  });

  it('starts only CLI modes, sets only known settings, and probes real routes on named ports', () => {
    for (const [, mode] of all.matchAll(/args: \["(\S+)"\]/g)) expect(SERVER_MODES).toContain(mode);
    expect([...all.matchAll(/args: \["(\S+)"\]/g)].map((m) => m[1]).sort()).toEqual(['api', 'migrate', 'worker']);
    for (const [, name] of all.matchAll(/- name: ([A-Z][A-Z0-9_]*)$/gm)) expect(knownEnv(name ?? ''), name).toBe(true);
    for (const name of Object.keys(values.config)) expect(knownEnv(name), name).toBe(true);
    for (const { file, text } of templates) {
      const named = new Set([...text.matchAll(/name: (\w+), containerPort/g)].map((m) => m[1]));
      for (const [, probePath, port] of text.matchAll(/httpGet: \{ path: (\S+), port: (\w+) \}/g)) {
        expect(named.has(port), `${file}: port ${port}`).toBe(true);
        const known =
          port === 'metrics'
            ? (ADMIN_PATHS as readonly string[]).includes(probePath ?? '')
            : httpPaths.has(probePath ?? '');
        expect(known, `${file}: ${probePath} on ${port}`).toBe(true);
      }
    }
  });

  it('names only values that values.yaml defines', () => {
    const lookup = (dotted: string) =>
      dotted.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], values);
    const refs = new Set([...all.matchAll(/\.Values\.([\w.]+)/g)].map((m) => m[1] ?? ''));
    expect(refs.size).toBeGreaterThan(10);
    for (const ref of refs) expect(lookup(ref), ref).not.toBeUndefined();
  });

  it("requests at least a worker's CPU for an API pod: a pod's request is its weight on a busy node", () => {
    const cpu = (role: 'api' | 'worker') => {
      const request = String(
        (values[role] as { resources: { requests: { cpu: string | number } } }).resources.requests.cpu,
      );
      return request.endsWith('m') ? Number(request.slice(0, -1)) / 1000 : Number(request);
    };
    expect(cpu('api')).toBeGreaterThan(0);
    expect(cpu('api')).toBeGreaterThanOrEqual(cpu('worker'));
  });
});

describe('deploy/grafana-dashboard.json', () => {
  it('charts only metrics the processes export', () => {
    watchDatabase(t.database.pool);
    const exported = new Set(metricsRegistry.getMetricsAsArray().map((m) => m.name));
    const dashboard = JSON.parse(read('deploy/grafana-dashboard.json')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.panels.length).toBeGreaterThan(10);
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets) {
        for (const [name] of expr.matchAll(/cdp_[a-z0-9_]+/g)) {
          expect(exported.has(name.replace(/_(bucket|count|sum)$/, '')), `${panel.title}: ${name}`).toBe(true);
        }
      }
    }
  });
});

describe('the documented production entry', () => {
  it('is what package.json builds and what the cdp binary runs', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toContain('build:server');
    expect(pkg.scripts['build:server']).toBe('node scripts/build-server.mjs');
    expect(read('apps/server/bin/cdp.cjs')).toContain("path.join(__dirname, '..', 'dist', 'main.js')");
  });
});

describe('OpenTelemetry settings in the manifests', () => {
  it('compose and the chart pass OTEL_EXPORTER_OTLP_ENDPOINT to every CDP process; empty means no traces', () => {
    const compose = parse(read('deploy/compose.yaml'), { merge: true }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
    };
    const cdp = Object.entries(compose.services).filter(([, s]) => s.command);
    expect(cdp.length).toBeGreaterThan(0);
    for (const [name, service] of cdp) expect(service.environment, name).toHaveProperty('OTEL_EXPORTER_OTLP_ENDPOINT');
    const values = parse(read('deploy/helm/cdp/values.yaml')) as { config: Record<string, string> };
    expect(values.config.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('');
    // What compose passes when the variable is unset, and the chart by default: tracing stays off.
    expect(loadConfig({ DATA_DIR: '/tmp/x', OTEL_EXPORTER_OTLP_ENDPOINT: '' }).otelEndpoint).toBeNull();
    expect(loadConfig({ DATA_DIR: '/tmp/x', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).otelEndpoint).toBe(
      'http://collector:4318',
    );
    expect(() => loadConfig({ DATA_DIR: '/tmp/x', OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});
