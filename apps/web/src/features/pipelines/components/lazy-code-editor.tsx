import { lazy, Suspense } from 'react';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import type { CodeEditorProps } from './code-editor.tsx';

const Editor = lazy(() => import('./code-editor.tsx').then((m) => ({ default: m.CodeEditor })));

/** CodeMirror, loaded only by the pages that edit or show SQL and Python. */
export function LazyCodeEditor(props: CodeEditorProps) {
  return (
    <Suspense
      fallback={
        <Skeleton className="rounded-md" style={{ height: props.minHeight ?? 240 }} aria-label="Loading the editor" />
      }
    >
      <Editor {...props} />
    </Suspense>
  );
}
