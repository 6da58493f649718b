/**
 * The browser's own work during a page visit, from a Chromium performance trace (the events the
 * DevTools Performance panel shows): the renderer's main thread's time split by what it did, each
 * event counted for its self time (its duration less its children's), so nothing is counted twice.
 * Chrome's `Performance.getMetrics` counters only know script, layout and style; the rest of the
 * main thread's time (compiling, garbage collection, painting, parsing) is named here.
 */

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread time: the CPU the thread got during the event (wall time less time descheduled). */
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

/**
 * Chromium's trace categories for the Performance panel's main-thread view, and V8's compile events
 * (`V8.CompileCode`, …: a function compiled on its first call, on the main thread), which would
 * otherwise count as script.
 */
export const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'disabled-by-default-v8.compile',
];

export type WorkKind = 'script' | 'compile' | 'gc' | 'style' | 'layout' | 'paint' | 'parse' | 'other';

/** Which kind of work a trace event's self time is. Unknown names (task wrappers, IPC) are `other`. */
function kindOf(name: string): WorkKind {
  if (/GC|Heap|Sweep|Scavenge|MarkCompact/i.test(name)) return 'gc';
  if (/^V8\.(BytecodeBudgetInterrupt|HandleInterrupts|StackGuard)/.test(name)) return 'script';
  if (/compile|Parse(Script|Function)|Deserialize|CacheScript|StreamingCompile/i.test(name)) return 'compile';
  if (
    /^(FunctionCall|EvaluateScript|v8\.(run|callFunction|execute|evaluateModule)|V8\.Execute|TimerFire|FireAnimationFrame|EventDispatch|RunMicrotasks|FireIdleCallback|XHRReadyStateChange|HandlePostMessage|v8\.newInstance|V8\.RunMicrotasks)/.test(
      name,
    )
  )
    return 'script';
  if (
    /^(UpdateLayoutTree|RecalculateStyles|ParseAuthorStyleSheet|InvalidateLayout|ScheduleStyleRecalculation)/.test(name)
  )
    return 'style';
  if (
    /^(Layout|UpdateLayout|LayoutShift|IntersectionObserverController|LocalFrameView::performLayout|InlineNode::)/.test(
      name,
    )
  )
    return 'layout';
  if (
    /^(Paint|PrePaint|Layerize|UpdateLayer|CompositeLayers|Commit|PaintImage|Decode|Rasterize|Canvas|Image)/.test(name)
  )
    return 'paint';
  if (/^(ParseHTML|ResourceReceivedData|ResourceFinish|ResourceReceiveResponse|ResourceSendRequest)/.test(name))
    return 'parse';
  return 'other';
}

/**
 * Self time per kind (ms) on the main thread of the renderer that drew `urlPart`, plus the ten
 * largest named events of `other`, so an unexplained share can still be looked into.
 */
export function summarizeTrace(buffer: Buffer) {
  const { traceEvents } = JSON.parse(buffer.toString('utf8')) as { traceEvents: TraceEvent[] };
  // The renderer's main thread is named CrRendererMain; with several renderers, the busiest wins.
  const mains = traceEvents.filter(
    (e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain',
  );
  let best: { pid: number; tid: number; total: number } | null = null;
  for (const m of mains) {
    const total = traceEvents
      .filter((e) => e.pid === m.pid && e.tid === m.tid && e.ph === 'X' && e.name === 'RunTask')
      .reduce((sum, e) => sum + (e.dur ?? 0), 0);
    if (!best || total > best.total) best = { pid: m.pid, tid: m.tid, total };
  }
  // CPU the main thread got for its tasks: unlike their wall time, this hardly grows when other
  // processes compete for the cores, so builds compare on a loaded machine.
  const cpuUs = traceEvents
    .filter((e) => e.pid === best?.pid && e.tid === best?.tid && e.ph === 'X' && e.name === 'RunTask')
    .reduce((sum, e) => sum + (e.tdur ?? 0), 0);
  const byKind: Record<WorkKind, number> = {
    script: 0,
    compile: 0,
    gc: 0,
    style: 0,
    layout: 0,
    paint: 0,
    parse: 0,
    other: 0,
  };
  const otherNames = new Map<string, number>();
  if (!best) return { mainThreadMs: 0, mainThreadCpuMs: 0, byKindMs: byKind, topOtherMs: {} };
  const main = best;
  const events = traceEvents
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && (e.dur ?? 0) > 0)
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  // A stack of open events: an event's self time is its duration less its direct children's.
  const stack: { end: number; name: string; self: number }[] = [];
  const close = (until: number) => {
    while (stack.length > 0 && (stack.at(-1)?.end ?? 0) <= until) {
      const done = stack.pop();
      if (!done) break;
      const kind = kindOf(done.name);
      byKind[kind] += done.self;
      if (kind === 'other') otherNames.set(done.name, (otherNames.get(done.name) ?? 0) + done.self);
    }
  };
  let topLevel = 0;
  for (const e of events) {
    close(e.ts);
    const dur = e.dur ?? 0;
    const parent = stack.at(-1);
    if (parent) parent.self -= Math.min(dur, parent.end - e.ts);
    else topLevel += dur;
    stack.push({ end: e.ts + dur, name: e.name, self: dur });
  }
  close(Number.POSITIVE_INFINITY);
  const toMs = (us: number) => Math.round(us / 1000);
  return {
    mainThreadMs: toMs(topLevel),
    mainThreadCpuMs: toMs(cpuUs),
    byKindMs: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, toMs(v)])) as Record<WorkKind, number>,
    topOtherMs: Object.fromEntries(
      [...otherNames.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([k, v]) => [k, toMs(v)]),
    ),
  };
}
