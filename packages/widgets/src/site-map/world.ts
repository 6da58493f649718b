import type { MultiPolygon, Polygon, Position } from 'geojson';
import countries from 'i18n-iso-countries';
import english from 'i18n-iso-countries/langs/en.json' with { type: 'json' };
import { worldGeoJson } from './world-geometry.ts';

export { WORLD_MAP_NAME, worldGeoJson } from './world-geometry.ts';

export interface WorldCountry {
  /** ISO 3166-1 numeric, as world-atlas has it (`"276"`); the name for the few without one. */
  id: string;
  /** The map's name for it (what ECharts regions are matched on). */
  name: string;
  /** [longitude, latitude] of the centre of its largest polygon. */
  centroid: [number, number];
}

interface World {
  byId: Map<string, WorldCountry>;
  byName: Map<string, WorldCountry>;
}

let world: World | undefined;

/** Codes in use that ISO 3166 does not assign (Kosovo's user-assigned XK/XKX, the UK's UK). */
const CODE_ALIASES: Record<string, string> = { XK: 'kosovo', XKX: 'kosovo', UK: 'united kingdom' };

/** The area and centroid of a ring (shoelace, in degrees: the map is drawn in plain lon/lat too). */
function ringCentroid(ring: Position[]): { area: number; centroid: [number, number] } {
  let area = 0;
  let x = 0;
  let y = 0;
  for (let i = 0; i < ring.length - 1; i += 1) {
    const [x0 = 0, y0 = 0] = ring[i] ?? [];
    const [x1 = 0, y1 = 0] = ring[i + 1] ?? [];
    const cross = x0 * y1 - x1 * y0;
    area += cross;
    x += (x0 + x1) * cross;
    y += (y0 + y1) * cross;
  }
  if (area === 0) return { area: 0, centroid: [ring[0]?.[0] ?? 0, ring[0]?.[1] ?? 0] };
  return { area: Math.abs(area), centroid: [x / (3 * area), y / (3 * area)] };
}

/** The centre of the largest polygon: mainland France, not French Guiana; Alaska does not pull the US north. */
function largestPolygonCentroid(geometry: Polygon | MultiPolygon): [number, number] {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let best = { area: -1, centroid: [0, 0] as [number, number] };
  for (const polygon of polygons) {
    const outer = polygon[0];
    if (!outer) continue;
    const candidate = ringCentroid(outer);
    if (candidate.area > best.area) best = candidate;
  }
  const [lon, lat] = best.centroid;
  const normalised = lon > 180 ? lon - 360 : lon;
  return [Math.round(normalised * 100) / 100, Math.round(lat * 100) / 100];
}

/** Built on first use, once per process. */
function load(): World {
  if (world) return world;
  const { features } = worldGeoJson();
  const byId = new Map<string, WorldCountry>();
  const byName = new Map<string, WorldCountry>();
  for (const f of features) {
    const country = {
      id: String(f.id ?? f.properties.name),
      name: f.properties.name,
      centroid: largestPolygonCentroid(f.geometry),
    };
    byId.set(country.id, country);
    byName.set(country.name.toLowerCase(), country);
  }
  world = { byId, byName };
  countries.registerLocale(english);
  return world;
}

/** A country by ISO 3166 alpha-3 (`DEU`), alpha-2 (`DE`), numeric (`276`) or English name. */
export function lookupCountry(codeOrName: string): WorldCountry | undefined {
  const { byId, byName } = load();
  const text = codeOrName.trim();
  if (!text) return undefined;
  const upper = text.toUpperCase();
  const numeric = /^\d{1,3}$/.test(text)
    ? text.padStart(3, '0')
    : upper.length === 3
      ? countries.alpha3ToNumeric(upper)
      : upper.length === 2
        ? countries.alpha2ToNumeric(upper)
        : undefined;
  const byCode = numeric ? byId.get(numeric) : undefined;
  if (byCode) return byCode;
  const byMapName = byName.get(CODE_ALIASES[upper] ?? text.toLowerCase());
  if (byMapName) return byMapName;
  const alpha2 = countries.getAlpha2Code(text, 'en');
  const fromName = alpha2 ? countries.alpha2ToNumeric(alpha2) : undefined;
  return fromName ? byId.get(fromName) : undefined;
}

/** [longitude, latitude] to place a country's marker, or undefined for a code the map does not know. */
export function countryCentroid(codeOrName: string): [number, number] | undefined {
  return lookupCountry(codeOrName)?.centroid;
}
