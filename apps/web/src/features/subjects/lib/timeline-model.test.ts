import type { SubjectEvent, SubjectMeasurement } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { testSeries } from './measurement-model.ts';
import { parseIsoDate } from './profile-dates.ts';
import { SEVERITY_COLOURS } from './severity.ts';
import { timelineModel } from './timeline-model.ts';

const DAY = 86_400_000;

function event(kind: SubjectEvent['kind'], term: string, start: string | null, end: string | null, extra = {}) {
  return {
    kind,
    dataset: kind === 'adverse_event' ? 'AE' : 'X',
    seq: null,
    term,
    decod: null,
    category: null,
    start,
    end,
    startDay: null,
    endDay: null,
    visit: null,
    visitNum: null,
    severity: null,
    serious: null,
    related: null,
    outcome: null,
    action: null,
    treatmentEmergent: null,
    dose: null,
    doseUnit: null,
    route: null,
    frequency: null,
    indication: null,
    ...extra,
  } satisfies SubjectEvent;
}

describe('parseIsoDate', () => {
  it.each([
    ['2014-03-17', Date.UTC(2014, 2, 17)],
    ['2014-03-17T10:30', Date.UTC(2014, 2, 17, 10, 30)],
    ['2014-03', Date.UTC(2014, 2, 1)],
    ['2014', Date.UTC(2014, 0, 1)],
    ['', null],
    ['UNK', null],
    [null, null],
  ])('%s', (text, expected) => expect(parseIsoDate(text)).toBe(expected));
});

describe('timelineModel', () => {
  it('packs overlapping events of a lane into rows, reusing a row once it is free', () => {
    const model = timelineModel([
      event('visit', 'SCREENING', '2014-01-01', null),
      event('adverse_event', 'HEADACHE', '2014-01-02', '2014-01-10', { severity: 'MILD' }),
      event('adverse_event', 'NAUSEA', '2014-01-05', '2014-01-06', { severity: 'SEVERE', serious: true }),
      event('adverse_event', 'RASH', '2014-01-20', '2014-01-25', { severity: 'MODERATE' }),
    ]);
    expect(model.rows).toEqual(['Visits', 'Adverse events', '']);
    const aes = model.items.filter((i) => i.event.kind === 'adverse_event');
    // Headache on row 1; nausea overlaps it, so row 2; the rash starts after both and takes row 1 again.
    expect(aes.map((i) => [i.event.term, i.row])).toEqual([
      ['HEADACHE', 1],
      ['NAUSEA', 2],
      ['RASH', 1],
    ]);
    expect(aes.map((i) => i.colour)).toEqual([
      SEVERITY_COLOURS.mild,
      SEVERITY_COLOURS.severe,
      SEVERITY_COLOURS.moderate,
    ]);
    expect(aes[1]?.serious).toBe(true);
    expect(model.items[0]?.point).toBe(true);
  });

  it('draws history that began years earlier from the window’s edge, and open-ended events to the other', () => {
    const model = timelineModel([
      event('visit', 'DAY 1', '2014-01-01', null),
      event('visit', 'WEEK 4', '2014-01-29', null),
      event('medical_history', 'HYPERTENSION', '2005', null),
      event('medication', 'ASPIRIN', '2014-01-10', null),
      event('adverse_event', 'UNDATED', null, null),
    ]);
    // Seven days' margin either side of the study events (4 weeks: 3 % is less than 7 days).
    expect(model.min).toBe(Date.UTC(2014, 0, 1) - 7 * DAY);
    expect(model.max).toBe(Date.UTC(2014, 0, 29) + 7 * DAY);
    const history = model.items.find((i) => i.event.term === 'HYPERTENSION');
    expect(history).toMatchObject({ start: model.min, clippedStart: true, ongoing: true, end: model.max });
    expect(model.items.find((i) => i.event.term === 'ASPIRIN')).toMatchObject({ ongoing: true, end: model.max });
    expect(model.undated).toBe(1);
  });
});

describe('testSeries', () => {
  const m = (testCode: string, value: number, flag: string | null): SubjectMeasurement => ({
    dataset: 'LB',
    seq: null,
    testCode,
    test: testCode,
    category: null,
    visit: null,
    visitNum: null,
    date: null,
    day: null,
    value,
    text: null,
    unit: 'U/L',
    low: 10,
    high: 40,
    flag,
    baseline: false,
  });

  it('groups by test, counts out-of-range results and puts tests with any first', () => {
    const series = testSeries([
      m('ALB', 40, 'NORMAL'),
      m('ALT', 20, 'NORMAL'),
      m('ALT', 130, 'HIGH'),
      m('ALT', 5, 'L'),
    ]);
    expect(series.map((s) => [s.testCode, s.results.length, s.abnormal])).toEqual([
      ['ALT', 3, 2],
      ['ALB', 1, 0],
    ]);
  });
});

describe('timelineModel: folding crowded lanes', () => {
  // Twenty medications all running at once need twenty rows packed; three AEs two rows.
  const crowded = [
    ...Array.from({ length: 20 }, (_, i) => event('medication', `MED ${i}`, '2014-01-01', '2014-03-01')),
    event('adverse_event', 'HEADACHE', '2014-01-02', '2014-01-10'),
    event('adverse_event', 'NAUSEA', '2014-01-05', '2014-01-06'),
    event('adverse_event', 'RASH', '2014-01-20', '2014-01-25'),
  ];

  it('a lane packing past the limit folds into one row by default; the others stay packed', () => {
    const model = timelineModel(crowded);
    expect(model.lanes.map((l) => [l.kind, l.events, l.packedRows, l.collapsed])).toEqual([
      ['adverse_event', 3, 2, false],
      ['medication', 20, 20, true],
    ]);
    expect(model.rows).toEqual(['Adverse events', '', 'Con. medications (20)']);
    const meds = model.items.filter((i) => i.event.kind === 'medication');
    expect(meds).toHaveLength(20);
    expect(new Set(meds.map((i) => i.row))).toEqual(new Set([2]));
    expect(meds.every((i) => i.folded)).toBe(true);
  });

  it('the reader unfolds a folded lane and folds a packed one', () => {
    const model = timelineModel(crowded, { medication: false, adverse_event: true });
    expect(model.rows).toEqual(['Adverse events (3)', 'Con. medications', ...Array(19).fill('')]);
    expect(new Set(model.items.filter((i) => i.event.kind === 'medication').map((i) => i.row)).size).toBe(20);
    expect(new Set(model.items.filter((i) => i.event.kind === 'adverse_event').map((i) => i.row))).toEqual(
      new Set([0]),
    );
  });
});

describe('timelineModel: the window is the study’s', () => {
  it('a medication begun years before the study starts at the window’s edge instead of widening it', () => {
    const model = timelineModel([
      event('visit', 'SCREENING', '2014-01-01', null),
      event('adverse_event', 'HEADACHE', '2014-02-01', '2014-02-10'),
      event('medication', 'ASPIRIN', '2010-05-01', null),
    ]);
    expect(model.min).toBe(Date.UTC(2014, 0, 1) - 7 * DAY);
    const aspirin = model.items.find((i) => i.event.term === 'ASPIRIN');
    expect(aspirin).toMatchObject({ start: model.min, clippedStart: true, ongoing: true });
  });
});
