import type { DashboardDocument } from '@cdp/contracts';
import { useCallback, useMemo, useReducer } from 'react';

/** What undo and redo move between: the whole dashboard as it would be saved. */
export interface Snapshot {
  name: string;
  document: DashboardDocument;
}

const MAX_STEPS = 100;
/** Edits with the same key closer together than this (typing a title) are one undo step. */
const COALESCE_MS = 1200;

interface HistoryState {
  past: Snapshot[];
  present: Snapshot;
  future: Snapshot[];
  /** Key and time of the last edit, for coalescing; cleared by undo and redo. */
  last: { key: string; at: number } | null;
}

type Update = (snapshot: Snapshot) => Snapshot;

type Action =
  | { type: 'edit'; update: Update; key?: string; at: number }
  | { type: 'amend'; update: Update }
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'reset'; snapshot: Snapshot };

export function historyReducer(state: HistoryState, action: Action): HistoryState {
  switch (action.type) {
    case 'edit': {
      const next = action.update(state.present);
      if (next === state.present) return state;
      const coalesce =
        action.key !== undefined &&
        state.last?.key === action.key &&
        action.at - state.last.at < COALESCE_MS &&
        state.past.length > 0;
      return {
        past: coalesce ? state.past : [...state.past, state.present].slice(-MAX_STEPS),
        present: next,
        future: [],
        last: action.key === undefined ? null : { key: action.key, at: action.at },
      };
    }
    case 'amend': {
      const next = action.update(state.present);
      return next === state.present ? state : { ...state, present: next };
    }
    case 'undo': {
      const previous = state.past.at(-1);
      if (!previous) return state;
      return { past: state.past.slice(0, -1), present: previous, future: [state.present, ...state.future], last: null };
    }
    case 'redo': {
      const [next, ...future] = state.future;
      if (!next) return state;
      return { past: [...state.past, state.present], present: next, future, last: null };
    }
    case 'reset':
      return { past: [], present: action.snapshot, future: [], last: null };
  }
}

/**
 * The builder's state with undo and redo. `edit` records a step (edits sharing a `key` in quick
 * succession are one step); `amend` changes the present without one, for results that arrive on their
 * own after an edit (a mapping suggestion for a widget just added belongs to that "add" step).
 */
export function useEditHistory(initial: Snapshot) {
  const [state, dispatch] = useReducer(historyReducer, initial, (snapshot) => ({
    past: [],
    present: snapshot,
    future: [],
    last: null,
  }));
  const edit = useCallback(
    (update: Update, key?: string) => dispatch({ type: 'edit', update, key, at: Date.now() }),
    [],
  );
  const amend = useCallback((update: Update) => dispatch({ type: 'amend', update }), []);
  const undo = useCallback(() => dispatch({ type: 'undo' }), []);
  const redo = useCallback(() => dispatch({ type: 'redo' }), []);
  const reset = useCallback((snapshot: Snapshot) => dispatch({ type: 'reset', snapshot }), []);
  return useMemo(
    () => ({
      present: state.present,
      canUndo: state.past.length > 0,
      canRedo: state.future.length > 0,
      edit,
      amend,
      undo,
      redo,
      reset,
    }),
    [state, edit, amend, undo, redo, reset],
  );
}
