import { aeExplorer } from './ae-explorer/index.ts';
import { aeIncidence } from './ae-incidence/index.ts';
import { aeTimeline } from './ae-timeline/index.ts';
import { demographics } from './demographics/index.ts';
import { hysLawCases } from './edish/hys-law-cases.ts';
import { edish } from './edish/index.ts';
import { enrollmentTrend } from './enrollment-trend/index.ts';
import { kaplanMeierWidget } from './kaplan-meier/index.ts';
import { kriSiteChart } from './kri-site-chart/index.ts';
import { kriSiteRisk } from './kri-site-risk/index.ts';
import { labOutliers } from './lab-outliers/index.ts';
import { labShift } from './lab-shift/index.ts';
import { labTrend } from './lab-trend/index.ts';
import { screenFailures } from './screen-failures/index.ts';
import { seriousAes } from './serious-aes/index.ts';
import { siteMap } from './site-map/index.ts';
import { siteSummary } from './site-summary/index.ts';
import { subjectFlow } from './subject-flow/index.ts';
import { subjectListing } from './subject-listing/index.ts';
import { totalAes } from './total-aes/index.ts';
import { totalScreened } from './total-screened/index.ts';
import type { WidgetType } from './types.ts';

/** The clinical widget types, in the order the builder's catalogue lists them. */
export const clinicalWidgets: WidgetType[] = [
  totalScreened,
  screenFailures,
  totalAes,
  seriousAes,
  demographics,
  aeIncidence,
  aeExplorer,
  kaplanMeierWidget,
  enrollmentTrend,
  aeTimeline,
  subjectFlow,
  siteSummary,
  siteMap,
  subjectListing,
  kriSiteRisk,
  kriSiteChart,
  edish,
  hysLawCases,
  labShift,
  labTrend,
  labOutliers,
];
