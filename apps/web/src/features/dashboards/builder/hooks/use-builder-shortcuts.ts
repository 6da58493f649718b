import { useEffect, useRef } from 'react';

interface Shortcuts {
  undo: () => void;
  redo: () => void;
  save: () => void;
  /** Delete or Backspace outside a text field. */
  remove: () => void;
  /** Escape outside a dialog or menu. */
  deselect: () => void;
}

function isTextEntry(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (!(target instanceof HTMLInputElement)) return false;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(target.type);
}

/**
 * Ctrl/⌘+Z undo, Ctrl/⌘+Shift+Z and Ctrl+Y redo, Ctrl/⌘+S save, Delete removes the selected widget.
 * Undo works inside the properties fields too: their values live in the document, so the document's
 * history is the one to step back. Keys pressed inside an open dialog or menu are left to it.
 */
export function useBuilderShortcuts(shortcuts: Shortcuts) {
  const latest = useRef(shortcuts);
  latest.current = shortcuts;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const target = event.target instanceof Element ? event.target : null;
      if (target?.closest('[role="dialog"],[role="alertdialog"],[role="menu"],[role="listbox"]')) return;
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      const run = (action: () => void) => {
        event.preventDefault();
        action();
      };
      if (mod && !event.altKey) {
        if (key === 'z') return run(event.shiftKey ? latest.current.redo : latest.current.undo);
        if (key === 'y' && event.ctrlKey) return run(latest.current.redo);
        if (key === 's') return run(latest.current.save);
        return;
      }
      if (isTextEntry(event.target)) return;
      if (event.key === 'Delete' || event.key === 'Backspace') return run(latest.current.remove);
      if (event.key === 'Escape') latest.current.deselect();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
