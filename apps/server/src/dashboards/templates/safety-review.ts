import type { TemplateSpec } from './template-spec.ts';

const AE = ['ADAE', 'AE'];
const LB = ['ADLB', 'ADLBC', 'ADLBHY', 'LB'];

/**
 * Safety review: what a safety physician or medical monitor reviews: adverse events by body system
 * and term with risk differences between arms, Hy's-law screening (eDISH and its cases), lab shifts,
 * trends and outliers, and time to event where the study has ADTTE (left out otherwise).
 */
export const SAFETY_REVIEW: TemplateSpec = {
  id: 'safety-review',
  name: 'Safety review',
  description:
    "AE explorer with risk differences, eDISH (Hy's law), lab shifts, trends and outliers, and Kaplan-Meier where ADTTE exists, on SDTM or ADaM data.",
  filters: [
    { id: 'arm', field: 'arm', label: 'Treatment arm', kind: 'multi' },
    { id: 'site', field: 'site', label: 'Site', kind: 'multi' },
    { id: 'sex', field: 'sex', label: 'Sex', kind: 'multi' },
    { id: 'age', field: 'age', label: 'Age group', kind: 'age-group' },
  ],
  pages: [
    {
      id: 'adverse-events',
      title: 'Adverse events',
      widgets: [
        {
          id: 'ae-explorer',
          type: 'ae-explorer',
          title: 'AE Explorer',
          subtitle: 'Subjects by body system and preferred term per arm, risk difference and relative risk',
          at: { x: 0, y: 0, w: 12, h: 14 },
          datasets: AE,
        },
      ],
    },
    {
      id: 'liver',
      title: 'Liver (eDISH)',
      widgets: [
        {
          id: 'edish',
          type: 'edish',
          title: "eDISH: Hy's Law Screening",
          subtitle: 'Peak ALT or AST ×ULN against peak total bilirubin ×ULN, per subject',
          at: { x: 0, y: 0, w: 7, h: 11 },
          datasets: LB,
        },
        {
          id: 'hys-law-cases',
          type: 'hys-law-cases',
          title: "Subjects in the Hy's Law Range",
          at: { x: 7, y: 0, w: 5, h: 11 },
          datasets: LB,
        },
      ],
    },
    {
      id: 'labs',
      title: 'Labs',
      widgets: [
        {
          id: 'lab-shift',
          type: 'lab-shift',
          title: 'Lab Shifts',
          subtitle: 'Baseline against worst post-baseline category, by arm and test',
          at: { x: 0, y: 0, w: 12, h: 12 },
          datasets: LB,
        },
        {
          id: 'lab-trend',
          type: 'lab-trend',
          title: 'Lab Values over Time',
          at: { x: 0, y: 12, w: 12, h: 10 },
          datasets: LB,
        },
        {
          id: 'lab-outliers',
          type: 'lab-outliers',
          title: 'Lab Outliers',
          at: { x: 0, y: 22, w: 12, h: 10 },
          datasets: LB,
        },
      ],
    },
    {
      id: 'time-to-event',
      title: 'Time to event',
      widgets: [
        {
          id: 'kaplan-meier',
          type: 'kaplan-meier',
          title: 'Kaplan-Meier',
          subtitle: 'Survival by arm, censoring marks, number at risk, median and log-rank test',
          at: { x: 0, y: 0, w: 12, h: 12 },
          datasets: ['ADTTE'],
          onlyWithData: true,
        },
      ],
    },
  ],
};
