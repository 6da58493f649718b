import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { python } from '@codemirror/lang-python';
import { PostgreSQL, type SQLNamespace, sql } from '@codemirror/lang-sql';
import { bracketMatching, HighlightStyle, indentOnInput, indentUnit, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import {
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
  placeholder as placeholderText,
} from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { useEffect, useRef } from 'react';
import { cn } from '../../../lib/cn.ts';

export type CodeLanguage = 'sql' | 'python';

export interface CodeEditorProps {
  value: string;
  onChange: (value: string) => void;
  language: CodeLanguage;
  /** The accessible name of the text area. */
  label: string;
  /** For SQL: the tables (inputs) and their columns, offered as completions. */
  schema?: Record<string, string[]>;
  readOnly?: boolean;
  placeholder?: string;
  invalid?: boolean;
  /** Minimum height in pixels. */
  minHeight?: number;
  className?: string;
  /** Set on the editor's outer element (tests find the editor by it). */
  testId?: string;
}

/** The app's palette for code: slate text, teal keywords, muted comments (readable on white, AA contrast). */
const highlight = HighlightStyle.define([
  {
    tag: [tags.keyword, tags.operatorKeyword, tags.modifier, tags.controlKeyword],
    color: '#0f766e',
    fontWeight: '600',
  },
  { tag: [tags.string, tags.special(tags.string)], color: '#b45309' },
  { tag: [tags.number, tags.bool, tags.null], color: '#7c3aed' },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: '#64748b', fontStyle: 'italic' },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName)], color: '#1d4ed8' },
  { tag: [tags.definition(tags.variableName), tags.className], color: '#0f172a', fontWeight: '600' },
  { tag: [tags.typeName, tags.standard(tags.name)], color: '#be185d' },
  { tag: [tags.operator, tags.punctuation, tags.bracket], color: '#475569' },
  { tag: tags.invalid, color: '#dc2626' },
]);

const theme = EditorView.theme({
  '&': { fontSize: '13px', backgroundColor: 'var(--surface)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: 'var(--font-mono)', lineHeight: '1.6' },
  '.cm-content': { padding: '8px 0', caretColor: 'var(--foreground)' },
  '.cm-gutters': {
    backgroundColor: 'var(--surface-muted)',
    color: 'var(--subtle-foreground)',
    borderRight: '1px solid var(--border)',
  },
  '.cm-activeLineGutter': { backgroundColor: 'var(--surface-sunken)', color: 'var(--muted-foreground)' },
  '.cm-activeLine': { backgroundColor: 'rgb(241 245 249 / 0.55)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'rgb(153 246 228 / 0.55) !important',
  },
  '.cm-placeholder': { color: 'var(--subtle-foreground)' },
  '.cm-tooltip': {
    border: '1px solid var(--border)',
    borderRadius: '6px',
    backgroundColor: 'var(--surface)',
    boxShadow: 'var(--shadow-overlay)',
  },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': {
    backgroundColor: 'var(--primary-soft)',
    color: 'var(--primary-soft-foreground)',
  },
});

function languageExtension(language: CodeLanguage, schema?: Record<string, string[]>): Extension {
  if (language === 'python') return python();
  const namespace: SQLNamespace = Object.fromEntries(Object.entries(schema ?? {}).map(([t, cols]) => [t, cols]));
  return sql({ dialect: PostgreSQL, schema: namespace, upperCaseKeywords: true });
}

/**
 * A CodeMirror 6 editor for SQL or Python: highlighting in the app's palette, line numbers,
 * bracket matching, undo history, Tab to indent (Escape then Tab leaves the editor, as CodeMirror
 * documents), and for SQL completions of the inputs and their columns.
 */
export function CodeEditor({
  value,
  onChange,
  language,
  label,
  schema,
  readOnly = false,
  placeholder,
  invalid,
  minHeight = 240,
  className,
  testId,
}: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const languageSlot = useRef(new Compartment());
  const readOnlySlot = useRef(new Compartment());

  // Created once; later prop changes are dispatched into the live editor below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the editor is built once per mount
  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightActiveLine(),
          history(),
          indentOnInput(),
          indentUnit.of(language === 'python' ? '    ' : '  '),
          bracketMatching(),
          closeBrackets(),
          autocompletion(),
          syntaxHighlighting(highlight),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, indentWithTab]),
          languageSlot.current.of(languageExtension(language, schema)),
          readOnlySlot.current.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
          placeholder ? placeholderText(placeholder) : [],
          theme,
          EditorView.theme({ '.cm-content, .cm-gutter': { minHeight: `${minHeight}px` } }),
          EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChangeRef.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
  }, []);

  // A value set from outside (a restored version, a reset) replaces the text.
  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const current = editor.state.doc.toString();
    if (current !== value) editor.dispatch({ changes: { from: 0, to: current.length, insert: value } });
  }, [value]);

  const schemaKey = JSON.stringify(schema ?? {});
  // biome-ignore lint/correctness/useExhaustiveDependencies: schemaKey stands for schema's content
  useEffect(() => {
    view.current?.dispatch({ effects: languageSlot.current.reconfigure(languageExtension(language, schema)) });
  }, [language, schemaKey]);

  useEffect(() => {
    view.current?.dispatch({
      effects: readOnlySlot.current.reconfigure([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
    });
  }, [readOnly]);

  return (
    <div
      ref={host}
      data-testid={testId}
      data-language={language}
      className={cn(
        'overflow-hidden rounded-md border border-input shadow-xs focus-within:border-ring focus-within:outline-2 focus-within:outline-ring/25 [&_.cm-editor]:max-h-[70vh]',
        invalid && 'border-destructive',
        readOnly && 'bg-surface-muted',
        className,
      )}
    />
  );
}
