import type { DashboardDocument, WidgetDefinition } from '@cdp/contracts';
import { withReaderOptions } from '@cdp/widgets';
import { AppError } from '../lib/app-error.ts';

/**
 * The widget as its reader narrowed it on screen (`?options=`: the AE explorer's seriousness,
 * severity, relatedness, outcome), for the data, drill-down and export routes alike; a choice the
 * type does not offer, or a value it does not take, is a 400 naming the option.
 */
export function readerWidget(widget: WidgetDefinition, choices: Record<string, unknown> = {}): WidgetDefinition {
  const result = withReaderOptions(widget, choices);
  if ('problem' in result) throw new AppError('VALIDATION_FAILED', result.problem, { field: 'options' });
  return result.widget;
}

/** The statuses a widget's review filter (`options.review`) takes. */
export const SUBJECT_REVIEW_STATUSES = ['reviewed', 'changed', 'not_reviewed'] as const;
export type SubjectReviewStatus = (typeof SUBJECT_REVIEW_STATUSES)[number];

/** The widget as its reader narrowed it, and the review-status filter they chose, if any. */
export interface ReaderChoices {
  widget: WidgetDefinition;
  review?: SubjectReviewStatus;
}

/**
 * `readerWidget`, with one choice every widget with a subject id takes besides its type's own:
 * `review` (reviewed | changed | not_reviewed), the subjects' review status, which the server turns
 * into a subject set (`review-filter.ts`) rather than an option of the type. A bad value is a 400
 * naming `options.review`.
 */
export function readerChoices(widget: WidgetDefinition, choices: Record<string, unknown> = {}): ReaderChoices {
  const { review, ...rest } = choices;
  const narrowed = readerWidget(widget, rest);
  if (review === undefined) return { widget: narrowed };
  if (!SUBJECT_REVIEW_STATUSES.includes(review as SubjectReviewStatus)) {
    throw new AppError('VALIDATION_FAILED', `options.review: one of ${SUBJECT_REVIEW_STATUSES.join(', ')}`, {
      field: 'options.review',
    });
  }
  return { widget: narrowed, review: review as SubjectReviewStatus };
}

/** Widget id → the reader's choices on it, as a dashboard export carries them. */
export type WidgetReaderOptions = Record<string, Record<string, unknown>>;

/**
 * The dashboard document with each widget narrowed as its reader left it on screen, for a whole
 * dashboard's export; a widget id the dashboard lacks, or a refused choice, is a 400 naming it.
 */
export function readerDocument(document: DashboardDocument, choices: WidgetReaderOptions = {}): DashboardDocument {
  const unknown = Object.keys(choices).filter((id) => !document.pages.some((p) => p.widgets[id]));
  if (unknown.length > 0)
    throw new AppError(
      'VALIDATION_FAILED',
      `widgetOptions: this dashboard has no widget ${unknown.map((id) => `"${id}"`).join(', ')}`,
      { field: 'widgetOptions' },
    );
  if (Object.keys(choices).length === 0) return document;
  return {
    ...document,
    pages: document.pages.map((page) => ({
      ...page,
      widgets: Object.fromEntries(
        // A review-status choice is checked here and answered as a subject set (`reviewChoicesOf`).
        Object.entries(page.widgets).map(([id, widget]) => [id, readerChoices(widget, choices[id]).widget]),
      ),
    })),
  };
}

/** The review-status choices of a dashboard export's widgets alone (answered as subject sets, `PageChoices`). */
export function reviewChoicesOf(choices: WidgetReaderOptions = {}): WidgetReaderOptions {
  return Object.fromEntries(
    Object.entries(choices).flatMap(([id, { review }]) => (review === undefined ? [] : [[id, { review }]])),
  );
}
