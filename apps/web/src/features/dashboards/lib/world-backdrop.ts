/** The parts of a GeoJSON country collection the merge reads (the world map's features). */
type Ring = number[][];
type Geometry = { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] };
export interface CountryCollection {
  type: 'FeatureCollection';
  features: Array<{ type: 'Feature'; id?: string | number; properties: { name: string }; geometry: Geometry }>;
}

/** The one region every country without a site is drawn as (never a country's name). */
export const BACKDROP_REGION = 'Other countries';

/**
 * The world with the countries to shade (those with sites) kept as regions of their own and every
 * other country merged into one backdrop region: its polygons unchanged, each still drawn with
 * its own border, so the map looks the same. ECharts builds a group, a model, hover and select
 * states per region: 176 countries cost ~100 ms of a map's first draw on a loaded machine, most of
 * it for countries nothing is shown on. The backdrop is drawn without hover effects (its config
 * comes with the option, `backdropRegion`).
 */
export function mergeBackdrop(world: CountryCollection, keep: ReadonlySet<string>): CountryCollection {
  const kept = world.features.filter((f) => keep.has(f.properties.name));
  const rest = world.features.filter((f) => !keep.has(f.properties.name));
  const polygons = rest.flatMap((f) =>
    f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates,
  );
  return {
    type: 'FeatureCollection',
    features: [
      ...kept,
      {
        type: 'Feature',
        id: BACKDROP_REGION,
        properties: { name: BACKDROP_REGION },
        geometry: { type: 'MultiPolygon', coordinates: polygons },
      },
    ],
  };
}

/** How the backdrop region is drawn: like any country, with no hover, select or tooltip. */
export const backdropRegion = {
  name: BACKDROP_REGION,
  silent: true,
  emphasis: { disabled: true },
  select: { disabled: true },
  tooltip: { show: false },
};

/** The names of the regions a map option shades (`geo.regions`). */
export function shadedRegions(geo: Record<string, unknown>): string[] {
  const regions = Array.isArray(geo.regions) ? (geo.regions as unknown[]) : [];
  const names = regions
    .map((r) => (typeof r === 'object' && r !== null ? (r as { name?: unknown }).name : undefined))
    .filter((n): n is string => typeof n === 'string');
  return [...new Set(names)].sort();
}
