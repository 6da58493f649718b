/**
 * Per-route request limits for API keys, per key and hour (docs/api.md, "Rate limits"): the
 * specification's table. A route is named by its method and URL pattern as Fastify registers it,
 * so routes that land later are covered by adding a line here. `RATE_LIMIT_ROUTES` overrides the
 * numbers (`list_studies=500,upload=20`).
 */
export const ROUTE_LIMIT_DEFAULTS = {
  list_studies: 100,
  get_study: 1000,
  dashboard_data: 100,
  export: 20,
  dataset_data: 50,
  upload: 10,
  pipeline_run: 10,
} as const;

export type RouteLimitName = keyof typeof ROUTE_LIMIT_DEFAULTS;
export type RouteLimits = Record<RouteLimitName, number>;

const ROUTES: [RegExp, RouteLimitName][] = [
  [/^GET \/api\/studies$/, 'list_studies'],
  [/^GET \/api\/studies\/:id$/, 'get_study'],
  [/^GET \/api\/studies\/:id\/dashboards\/:did\/data$/, 'dashboard_data'],
  // Files made for taking away: dataset downloads, widget subject lists, export jobs.
  [/^GET \/api\/studies\/:id\/versions\/:vid\/datasets\/:name\/download$/, 'export'],
  [/^(GET|POST) \/api\/studies\/:id\/dashboards\/:did\/widgets\/:wid\/subjects\/export$/, 'export'],
  [/^POST \/api\/studies\/:id\/(dashboards\/:did\/)?exports$/, 'export'],
  [/^GET \/api\/studies\/:id\/versions\/:vid\/datasets\/:name\/rows$/, 'dataset_data'],
  [/^POST \/api\/studies\/:id\/uploads$/, 'upload'],
  [/^POST \/api\/studies\/:id\/pipelines\/:\w+\/runs$/, 'pipeline_run'],
];

/** Answers per method and route pattern: the patterns are the app's routes, a few hundred at most. */
const named = new Map<string, RouteLimitName | null>();
const NAMED_MAX = 2000;

/** Which limited route a request is, or null (then only the key's hourly and daily limits apply). */
export function routeLimitName(method: string, url: string | undefined): RouteLimitName | null {
  if (!url) return null;
  const key = `${method} ${url}`;
  const known = named.get(key);
  if (known !== undefined) return known;
  const name = ROUTES.find(([pattern]) => pattern.test(key))?.[1] ?? null;
  if (named.size < NAMED_MAX) named.set(key, name);
  return name;
}

/**
 * `name=number,…` over the defaults. An unknown name or a bad number is an error naming it, so a
 * typo in the environment does not silently leave a default in force.
 */
export function parseRouteLimits(text: string | undefined): RouteLimits {
  const limits: RouteLimits = { ...ROUTE_LIMIT_DEFAULTS };
  for (const part of (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value] = part.split('=').map((s) => s.trim());
    if (!name || !Object.hasOwn(ROUTE_LIMIT_DEFAULTS, name)) {
      throw new Error(
        `RATE_LIMIT_ROUTES: unknown route "${name}"; known: ${Object.keys(ROUTE_LIMIT_DEFAULTS).join(', ')}.`,
      );
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`RATE_LIMIT_ROUTES: ${name} needs a whole number of at least 1, not "${value}".`);
    limits[name as RouteLimitName] = n;
  }
  return limits;
}
