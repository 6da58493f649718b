import type { QueryResult } from '@cdp/contracts';
import { count, records, textOrNull } from '../subject-listing/records.ts';
import { termSet } from '../terms.ts';
import type { DispositionOptions } from './disposition-options.ts';
import { notDiscontinued } from './subject-status.ts';

/** `[from, to, subjects]`; the first link has no `from` and gives the number screened. */
export type FlowLink = [from: string | null, to: string, subjects: number];

export const STAGES = {
  screened: 'Screened',
  screenFailure: 'Screen failure',
  enrolled: 'Enrolled',
  notEnrolled: 'Not enrolled',
  treated: 'Treated',
  notTreated: 'Not treated',
  completed: 'Completed',
  discontinued: 'Discontinued',
  ongoing: 'Ongoing',
} as const;

const STAGE_NAMES = new Set<string>(Object.values(STAGES));

export interface FlowCounts {
  screened: number;
  screenFailures: number | null;
  /** From an enrollment condition; null when only screened − screen failures can tell. */
  enrolled: number | null;
  treated: number | null;
  /** Grouped by `outcome` (and `reason`), measuring `treated`/`not_treated`, or `subjects`. */
  outcomes: QueryResult | undefined;
}

interface Parent {
  node: string;
  measure: 'treated' | 'not_treated' | 'subjects';
  total: number;
}

/**
 * The flow from screening to end of study as links. Enrolled is what the enrollment condition
 * says, else screened − screen failures; subjects whose outcome is neither completion nor a
 * discontinuation (no end-of-study record yet, EOSSTT ONGOING) are Ongoing.
 */
export function flowLinks(counts: FlowCounts, options: DispositionOptions): FlowLink[] {
  const { screened, screenFailures, treated } = counts;
  const links: FlowLink[] = [[null, STAGES.screened, screened]];
  const add = (from: string, to: string, subjects: number) => {
    if (subjects > 0) links.push([from, to, subjects]);
  };
  if (screenFailures !== null) add(STAGES.screened, STAGES.screenFailure, screenFailures);
  const enrolled = counts.enrolled ?? (screenFailures === null ? null : screened - screenFailures);
  if (enrolled !== null) {
    add(STAGES.screened, STAGES.enrolled, enrolled);
    add(STAGES.screened, STAGES.notEnrolled, screened - (screenFailures ?? 0) - enrolled);
  }
  const start = enrolled === null ? STAGES.screened : STAGES.enrolled;
  const started = enrolled ?? screened;
  let parents: Parent[] = [{ node: start, measure: 'subjects', total: started }];
  if (treated !== null) {
    add(start, STAGES.treated, treated);
    add(start, STAGES.notTreated, started - treated);
    parents = [
      { node: STAGES.treated, measure: 'treated', total: treated },
      { node: STAGES.notTreated, measure: 'not_treated', total: started - treated },
    ];
  }
  if (!counts.outcomes) return links;

  const completedValues = termSet(options.completedValues);
  const notReasons = termSet(notDiscontinued(options));
  const reasons = new Map<string, number>();
  for (const parent of parents) {
    let completed = 0;
    let discontinued = 0;
    for (const row of records(counts.outcomes)) {
      const outcome = textOrNull(row.outcome);
      const subjects = count(row[parent.measure]);
      if (outcome === null || subjects === 0) continue;
      if (completedValues.has(outcome)) completed += subjects;
      else if (!notReasons.has(outcome)) {
        discontinued += subjects;
        const reason = textOrNull(row.reason) ?? outcome;
        reasons.set(reason, (reasons.get(reason) ?? 0) + subjects);
      }
    }
    add(parent.node, STAGES.completed, completed);
    add(parent.node, STAGES.discontinued, discontinued);
    add(parent.node, STAGES.ongoing, parent.total - completed - discontinued);
  }
  const byCount = [...reasons].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  // A reason spelt like a stage ("Completed") would merge with it in the chart.
  for (const [reason, subjects] of byCount)
    add(STAGES.discontinued, STAGE_NAMES.has(reason) ? `${reason} (reason)` : reason, subjects);
  return links;
}
