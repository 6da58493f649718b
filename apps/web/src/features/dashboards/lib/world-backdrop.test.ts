import { WORLD_MAP_NAME, worldGeoJson } from '@cdp/widgets/world';
import { describe, expect, it } from 'vitest';
import { BACKDROP_REGION, type CountryCollection, mergeBackdrop, shadedRegions } from './world-backdrop.ts';

const world = worldGeoJson() as CountryCollection;
const polygonsOf = (f: CountryCollection['features'][number]) =>
  f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;

describe('world map backdrop', () => {
  it('keeps the shaded countries as regions and merges every other one, no polygon lost', () => {
    const keep = new Set(['United States of America', 'Germany', 'Japan']);
    const merged = mergeBackdrop(world, keep);
    expect(merged.features.map((f) => f.properties.name)).toEqual([
      ...world.features.filter((f) => keep.has(f.properties.name)).map((f) => f.properties.name),
      BACKDROP_REGION,
    ]);
    // The kept countries are the very same features (their shape, id and name untouched).
    for (const f of merged.features.slice(0, -1))
      expect(f).toBe(world.features.find((w) => w.properties.name === f.properties.name));
    const backdrop = merged.features.at(-1);
    const expected = world.features.filter((f) => !keep.has(f.properties.name)).flatMap(polygonsOf);
    expect(backdrop?.geometry).toEqual({ type: 'MultiPolygon', coordinates: expected });
    // Every polygon of the world is drawn exactly once.
    expect(merged.features.flatMap(polygonsOf)).toHaveLength(world.features.flatMap(polygonsOf).length);
  });

  it('merges all countries when none is shaded; no country is named like the backdrop', () => {
    expect(world.features.some((f) => f.properties.name === BACKDROP_REGION)).toBe(false);
    const merged = mergeBackdrop(world, new Set());
    expect(merged.features).toHaveLength(1);
    expect(polygonsOf(merged.features[0] as CountryCollection['features'][number]).length).toBe(
      world.features.flatMap(polygonsOf).length,
    );
  });

  it("reads the shaded regions' names from a map option, once each, sorted", () => {
    expect(
      shadedRegions({
        map: WORLD_MAP_NAME,
        regions: [{ name: 'Japan' }, { name: 'Germany' }, { name: 'Japan' }, { itemStyle: {} }, null],
      }),
    ).toEqual(['Germany', 'Japan']);
    expect(shadedRegions({ map: WORLD_MAP_NAME })).toEqual([]);
  });
});
