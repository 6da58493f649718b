import type { SubjectEvent, SubjectEventKind } from '@cdp/contracts';
import { parseIsoDate } from './profile-dates.ts';
import { SEVERITY_COLOURS, severityLevel } from './severity.ts';

const DAY = 86_400_000;

/** The lanes of the timeline, top to bottom, and how each reads. */
export const LANES: Array<{ kind: SubjectEventKind; label: string }> = [
  { kind: 'visit', label: 'Visits' },
  { kind: 'exposure', label: 'Exposure' },
  { kind: 'adverse_event', label: 'Adverse events' },
  { kind: 'medication', label: 'Con. medications' },
  { kind: 'medical_history', label: 'Medical history' },
  { kind: 'disposition', label: 'Disposition' },
];

const KIND_COLOURS: Record<SubjectEventKind, string> = {
  visit: '#0f766e',
  exposure: '#14b8a6',
  adverse_event: SEVERITY_COLOURS.unknown,
  medication: '#6366f1',
  medical_history: '#94a3b8',
  disposition: '#334155',
};

/** One bar or mark of the timeline: its row, its span in ms, and the event it draws. */
export interface TimelineItem {
  row: number;
  start: number;
  end: number;
  /** A point in time (a visit, a disposition) rather than a span. */
  point: boolean;
  /** It began before the window shown (medical history years earlier) or has no end. */
  clippedStart: boolean;
  ongoing: boolean;
  colour: string;
  serious: boolean;
  /** Drawn on its lane's one folded row, over the others. */
  folded?: boolean;
  event: SubjectEvent;
}

/** A lane as drawn: how many rows its events need packed, and whether it is folded into one row. */
export interface TimelineLane {
  kind: SubjectEventKind;
  label: string;
  events: number;
  /** Rows the lane needs with its events packed (no two overlapping in one row). */
  packedRows: number;
  collapsed: boolean;
}

/** A lane that packs into more rows than this is folded into one row until the reader expands it. */
export const COLLAPSE_ABOVE_ROWS = 6;
/** Adverse events are what the reader came for: they fold only past twice as many rows. */
const COLLAPSE_AES_ABOVE_ROWS = 12;

export interface TimelineModel {
  /** Row labels top to bottom: a lane's name on its first row, blank on the rows it packs into. */
  rows: string[];
  lanes: TimelineLane[];
  items: TimelineItem[];
  min: number;
  max: number;
  /** Events the timeline cannot place (no usable date). */
  undated: number;
}

/**
 * The subject's events as lanes of bars: each lane packs its events into as few rows as their
 * overlaps allow (greedy, by start), so a subject with fifty medications still fits on screen.
 * The window runs from the first study event (visit, dose, AE) to the last, with a margin; history
 * that began earlier is drawn from the window's left edge and marked as such.
 */
export function timelineModel(
  events: SubjectEvent[],
  /** Lanes the reader folded or unfolded; a lane not named here folds when it packs past COLLAPSE_ABOVE_ROWS. */
  folding: Partial<Record<SubjectEventKind, boolean>> = {},
): TimelineModel {
  const dated = events.flatMap((event) => {
    const start = parseIsoDate(event.start) ?? parseIsoDate(event.end);
    if (start === null) return [];
    const end = parseIsoDate(event.end);
    return [{ event, start, end }];
  });
  // The window is the study's (visits, doses, AEs, disposition): medications and history that began
  // years before would otherwise squeeze the study into the right edge; they are drawn from the left edge.
  const study = dated.filter((d) => d.event.kind !== 'medical_history' && d.event.kind !== 'medication');
  const anchor = study.length > 0 ? study : dated;
  const times = anchor.flatMap((d) => (d.end === null ? [d.start] : [d.start, d.end]));
  const first = times.length > 0 ? Math.min(...times) : 0;
  const last = times.length > 0 ? Math.max(...times) : DAY;
  const margin = Math.max(7 * DAY, Math.round((last - first) * 0.03));
  const min = first - margin;
  const max = last + margin;

  const rows: string[] = [];
  const items: TimelineItem[] = [];
  const lanes: TimelineLane[] = [];
  for (const lane of LANES) {
    const laneEvents = dated.filter((d) => d.event.kind === lane.kind).sort((a, b) => a.start - b.start);
    if (laneEvents.length === 0) continue;
    const rowEnds: number[] = [];
    const firstRow = rows.length;
    const laneItems: TimelineItem[] = [];
    for (const { event, start, end } of laneEvents) {
      const point = lane.kind === 'visit' || lane.kind === 'disposition';
      const ongoing = !point && end === null;
      const from = Math.max(start, min);
      const to = point ? from : Math.min(Math.max(end ?? max, from + DAY), max);
      // A visit lane is one row: visits never overlap in a way worth a second row.
      let slot = point ? 0 : rowEnds.findIndex((taken) => taken < from);
      if (slot < 0) slot = rowEnds.length;
      rowEnds[slot] = point ? Math.max(rowEnds[slot] ?? Number.NEGATIVE_INFINITY, from) : to + DAY / 2;
      laneItems.push({
        row: firstRow + slot,
        start: from,
        end: to,
        point,
        clippedStart: start < min,
        ongoing,
        colour:
          event.kind === 'adverse_event' ? SEVERITY_COLOURS[severityLevel(event.severity)] : KIND_COLOURS[event.kind],
        serious: event.serious === true,
        event,
      });
    }
    const limit = lane.kind === 'adverse_event' ? COLLAPSE_AES_ABOVE_ROWS : COLLAPSE_ABOVE_ROWS;
    const collapsed = folding[lane.kind] ?? rowEnds.length > limit;
    lanes.push({
      kind: lane.kind,
      label: lane.label,
      events: laneEvents.length,
      packedRows: rowEnds.length,
      collapsed,
    });
    if (collapsed && rowEnds.length > 1) {
      // Folded: every event on the lane's one row, drawn see-through so overlaps read darker.
      items.push(...laneItems.map((item) => ({ ...item, row: firstRow, folded: true })));
      rows.push(`${lane.label} (${laneEvents.length})`);
      continue;
    }
    items.push(...laneItems);
    rowEnds.forEach((_, i) => {
      rows.push(i === 0 ? lane.label : '');
    });
  }
  return { rows, lanes, items, min, max, undated: events.length - dated.length };
}
