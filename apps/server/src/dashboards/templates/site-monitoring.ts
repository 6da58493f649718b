import type { TemplateSpec } from './template-spec.ts';

const SUBJECTS = ['ADSL', 'DM'];

/**
 * Site monitoring: what a clinical monitor or central monitor looks at to decide where to go next.
 * Key risk indicators per site (scores and flags, as a table and as a chart), the site summary, the
 * site map, enrollment by site and over time, and the subjects of a chosen site.
 */
export const SITE_MONITORING: TemplateSpec = {
  id: 'site-monitoring',
  name: 'Site monitoring',
  description:
    'Key risk indicators per site (AE, serious AE, discontinuation, screen failure and deviation rates) with flags, site summary, map and enrollment, on SDTM or ADaM data.',
  filters: [
    { id: 'site', field: 'site', label: 'Site', kind: 'multi' },
    { id: 'country', field: 'country', label: 'Country', kind: 'multi' },
    { id: 'arm', field: 'arm', label: 'Treatment arm', kind: 'multi' },
  ],
  pages: [
    {
      id: 'risk',
      title: 'Site risk',
      widgets: [
        {
          id: 'kri-scores',
          type: 'kri-site-chart',
          title: 'Key Risk Indicators by Site',
          subtitle: "Each site's score against the study; dashed lines at the amber and red thresholds",
          at: { x: 0, y: 0, w: 12, h: 9 },
          datasets: SUBJECTS,
        },
        {
          id: 'kri-table',
          type: 'kri-site-risk',
          title: 'Site Risk Table',
          subtitle: 'Value, score and flag of each KRI; most at risk first',
          at: { x: 0, y: 9, w: 12, h: 11 },
          datasets: SUBJECTS,
        },
      ],
    },
    {
      id: 'sites',
      title: 'Sites',
      widgets: [
        {
          id: 'site-summary',
          type: 'site-summary',
          title: 'Site Summary',
          at: { x: 0, y: 0, w: 7, h: 10 },
          datasets: SUBJECTS,
        },
        {
          id: 'site-map',
          type: 'site-map',
          title: 'Site Enrollment Map',
          at: { x: 7, y: 0, w: 5, h: 10 },
          datasets: SUBJECTS,
        },
        {
          id: 'enrollment-by-site',
          type: 'bar',
          title: 'Subjects by Site and Arm',
          at: { x: 0, y: 10, w: 7, h: 9 },
          datasets: SUBJECTS,
          bind: { category: 'site', series: 'arm' },
          options: { mode: 'stacked', countSubjects: true },
        },
        {
          id: 'enrollment-trend',
          type: 'enrollment-trend',
          title: 'Enrollment Trend',
          subtitle: "Cumulative enrolled by month, against the study's plan when it has one",
          at: { x: 7, y: 10, w: 5, h: 9 },
          datasets: SUBJECTS,
        },
      ],
    },
    {
      id: 'subjects',
      title: 'Subjects',
      widgets: [
        {
          id: 'subject-listing',
          type: 'subject-listing',
          title: 'Subject Listing',
          subtitle: 'Filter by site to see one site’s subjects',
          at: { x: 0, y: 0, w: 12, h: 12 },
          datasets: SUBJECTS,
        },
      ],
    },
  ],
};
