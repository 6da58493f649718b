import type { ColumnRef, QueryFilter } from '@cdp/contracts';

export interface AgeBand {
  label: string;
  filters(age: ColumnRef): QueryFilter[];
}

/**
 * Age bands from their edges, as the CDISC pilot's AGEGR1 reads them: `[65, 80]` gives `<65`,
 * `65–80` (both ends included) and `>80`; a further edge 90 adds `>80–90`. Edges are sorted and
 * de-duplicated; no edges, no bands.
 */
export function ageBands(edges: readonly number[]): AgeBand[] {
  const sorted = [...new Set(edges)].sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted.at(-1);
  if (first === undefined || last === undefined) return [];
  const bands: AgeBand[] = [{ label: `<${first}`, filters: (age) => [{ column: age, op: 'lt', value: first }] }];
  sorted.slice(1).forEach((high, i) => {
    const low = sorted[i] ?? first;
    const closedBelow = i === 0;
    bands.push({
      label: closedBelow ? `${low}–${high}` : `>${low}–${high}`,
      filters: (age) => [
        { column: age, op: closedBelow ? 'ge' : 'gt', value: low },
        { column: age, op: 'le', value: high },
      ],
    });
  });
  bands.push({ label: `>${last}`, filters: (age) => [{ column: age, op: 'gt', value: last }] });
  return bands;
}
