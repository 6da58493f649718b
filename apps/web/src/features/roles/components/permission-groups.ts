/** Permission codes grouped by resource, in the order people think about them. */
const RESOURCE_LABELS: Record<string, string> = {
  platform: 'Platform',
  tenant: 'Organizations (platform)',
  organization: 'Organization',
  study: 'Studies',
  data: 'Data',
  pipeline: 'Pipelines',
  dashboard: 'Dashboards',
  review: 'Clinical review',
  user: 'Users',
  audit: 'Audit trail',
  api: 'API keys',
};

const ORDER = Object.keys(RESOURCE_LABELS);

export interface PermissionGroup<T> {
  resource: string;
  label: string;
  items: T[];
}

export function groupByResource<T>(items: T[], codeOf: (item: T) => string): PermissionGroup<T>[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const resource = codeOf(item).split(':')[0] ?? '';
    groups.set(resource, [...(groups.get(resource) ?? []), item]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b))
    .map(([resource, list]) => ({ resource, label: RESOURCE_LABELS[resource] ?? resource, items: list }));
}
