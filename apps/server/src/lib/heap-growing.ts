import v8 from 'node:v8';

/**
 * Fixes V8's heap growing factor for every isolate of this process: the main thread's and those
 * of the upload conversion threads (V8 flags are per process; a Worker cannot take its own).
 *
 * Why: after each full collection V8 sets the next limit at the live heap times a factor it
 * derives from how fast marking is against how fast the program allocates. In the conversion
 * threads (a ~26 MB heap, little JavaScript allocated, tens of MB of buffers passing through)
 * that factor falls to its floor of 1.1, and the buffers allocated since the last collection count
 * against the old generation's limit: the threads marked their whole heap about eight times per
 * demo ZIP, finding almost nothing to free (issue 17, docs/decisions.md). A fixed factor of 2
 * (100 %) halves those collections; 0 leaves V8's own factor. V8 reads the flag at each limit it
 * sets, so setting it once at start is enough, also for threads started later.
 */
export function setHeapGrowingPercent(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}
