import type { DatasetSummary, WidgetData, WidgetTypeInfo } from '@cdp/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { toast } from '../../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../../lib/api-error.ts';
import { type SuggestRequest, suggestMappingQuery } from '../api/builder-api.ts';
import { applySuggestion } from '../lib/apply-suggestion.ts';
import { countByCategoryDefaults } from '../lib/chart-defaults.ts';
import { updateWidget } from '../lib/document-edits.ts';
import type { Snapshot, useEditHistory } from './use-edit-history.ts';

/** When a mapping suggestion arrives, it joins the edit that asked for it, or is an edit of its own. */
export interface SuggestionPlan {
  mode: 'merge' | 'replace';
  /**
   * `amend`: part of the edit that asked (added the widget, changed its dataset), so one undo takes
   * both back; applied only if the widget's data is still `ifData`, so it never overwrites an edit
   * made while it was on its way. `edit`: an undo step of its own ("Suggest mapping").
   */
  commit: { kind: 'amend'; ifData: WidgetData } | { kind: 'edit' };
  /** A new widget of this type: its chart defaults follow the mapping (a count of subjects by a column with few values). */
  fresh?: { type: WidgetTypeInfo; datasets: readonly DatasetSummary[] };
}

/** Asks the server to map a widget's fields and applies the answer; `waiting` holds the widgets still asking. */
export function useMappingSuggestions(studyId: string, history: ReturnType<typeof useEditHistory>) {
  const queryClient = useQueryClient();
  const [waiting, setWaiting] = useState<ReadonlySet<string>>(() => new Set());
  const { amend, edit } = history;

  const suggest = useCallback(
    async (widgetId: string, request: SuggestRequest, plan: SuggestionPlan) => {
      setWaiting((current) => new Set(current).add(widgetId));
      try {
        const suggestion = await queryClient.fetchQuery(suggestMappingQuery(studyId, request));
        const apply = (s: Snapshot): Snapshot => {
          const document = updateWidget(s.document, widgetId, (w) =>
            plan.commit.kind === 'amend' && w.data !== plan.commit.ifData
              ? w
              : plan.fresh
                ? countByCategoryDefaults(
                    applySuggestion(w, suggestion, plan.mode),
                    plan.fresh.datasets,
                    plan.fresh.type.name,
                  )
                : applySuggestion(w, suggestion, plan.mode),
          );
          return document === s.document ? s : { ...s, document };
        };
        if (plan.commit.kind === 'amend') amend(apply);
        else edit(apply);
      } catch (error) {
        toast.error('Could not suggest a mapping', { description: errorMessage(error) });
      } finally {
        setWaiting((current) => {
          const next = new Set(current);
          next.delete(widgetId);
          return next;
        });
      }
    },
    [queryClient, studyId, amend, edit],
  );

  return { waiting, suggest };
}
