import type { LayoutItem, WidgetDataResponse } from '@cdp/contracts';

/** One widget as an export draws it: its place on the page and the answer the screen gets. */
export interface ReportWidget {
  id: string;
  title: string;
  type: string;
  layout: Pick<LayoutItem, 'x' | 'y' | 'w' | 'h'>;
  /** The answer of `GET …/widgets/:wid/data`; absent when the widget could not be drawn. */
  data?: WidgetDataResponse;
  /** Why the widget has no answer: the export shows it in the widget's place. */
  error?: { code: string; message: string };
}

export interface ReportPage {
  id: string;
  title: string;
  widgets: ReportWidget[];
}

export type PaperSize = 'A4' | 'Letter';
export type Orientation = 'portrait' | 'landscape';

export interface ReportOptions {
  paperSize: PaperSize;
  orientation: Orientation;
}

/** Everything a document says about where its numbers come from. */
export interface ReportInput {
  study: { code: string; name: string };
  dashboard: { name: string };
  dataVersion: { label: string; activatedAt: Date | null };
  /** The filters applied, in words ("Arm = Placebo"); empty for none. */
  filters: string[];
  generatedBy: string;
  generatedAt: Date;
  pages: ReportPage[];
  options: ReportOptions;
}

/** A widget's table as one file (the widget menu's CSV and XLSX). */
export interface WidgetFileInput {
  study: { code: string; name: string };
  dashboard: { name: string };
  dataVersion: { label: string; activatedAt: Date | null };
  filters: string[];
  generatedBy: string;
  generatedAt: Date;
  widget: ReportWidget;
}
