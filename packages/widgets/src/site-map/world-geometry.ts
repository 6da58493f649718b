import type { Feature, FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import atlas from 'world-atlas/countries-110m.json' with { type: 'json' };

/**
 * The world's geometry alone: what a browser needs to draw the map. Country look-ups (codes,
 * names, centroids: `world.ts`) are built apart, so a page that only draws pays for neither them
 * nor the country-code tables.
 */

/** The name the browser and the exporters register `worldGeoJson()` under (`echarts.registerMap`). */
export const WORLD_MAP_NAME = 'world';

export type CountryFeature = Feature<Polygon | MultiPolygon, { name: string }>;

let geoJson: FeatureCollection<Polygon | MultiPolygon, { name: string }> | undefined;

/**
 * A ring cut at the antimeridian (Russia's and Fiji's run from -180 to 180) as one piece east of
 * it: drawn as is, its closing edge would cross the whole map.
 */
function unwrapRing(ring: Position[]): Position[] {
  const longitudes = ring.map((position) => position[0] ?? 0);
  if (Math.max(...longitudes) - Math.min(...longitudes) <= 180) return ring;
  return ring.map(([lon = 0, lat = 0]) => [lon < 0 ? lon + 360 : lon, lat]);
}

function unwrap(geometry: Polygon | MultiPolygon): Polygon | MultiPolygon {
  if (geometry.type === 'Polygon') return { ...geometry, coordinates: geometry.coordinates.map(unwrapRing) };
  return { ...geometry, coordinates: geometry.coordinates.map((polygon) => polygon.map(unwrapRing)) };
}

/** The world's countries as GeoJSON (Natural Earth 1:110m via world-atlas), `properties.name` set; decoded once per process (or page). */
export function worldGeoJson(): FeatureCollection<Polygon | MultiPolygon, { name: string }> {
  if (geoJson) return geoJson;
  const topology = atlas as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const collection = feature(topology, topology.objects.countries);
  // Antarctica takes a sixth of the map and never hosts a site.
  const features = (collection.features as CountryFeature[])
    .filter((f) => f.properties.name !== 'Antarctica')
    .map((f) => ({ ...f, geometry: unwrap(f.geometry) }));
  geoJson = { type: 'FeatureCollection', features };
  return geoJson;
}
