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

/**
 * An electronic signature as a document prints it (21 CFR 11.50): the printed name, the date and
 * time with its zone as the signer saw it, the meaning, and the SHA-256 of the signed record
 * (11.70) with the verification at the time the document was made.
 */
export interface ReportSignature {
  signer: string;
  meaning: string;
  /** `2026-12-06 16:20:05 CET (Europe/Paris)` */
  signedAt: string;
  /** What was signed, e.g. "Dashboard Overview, version 3". */
  record: string;
  sha256: string;
  status: 'valid' | 'changed';
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
  /** Signatures of the dashboard version the document shows ("approved for use"), printed on the cover. */
  approvals?: ReportSignature[];
  /** Signatures of this document itself: printed on a final signature page. */
  signatures?: ReportSignature[];
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
