/**
 * Wall time of a request's phases, told to the client as a `Server-Timing` header
 * (`receive;dur=12.3, convert;dur=98.1, …`): where an upload's time went, without a profiler
 * (issue 17). Each `mark` closes the phase that ran since the previous one.
 */
export class PhaseTimer {
  private last = performance.now();
  private readonly phases: [string, number][] = [];

  mark(phase: string): void {
    const now = performance.now();
    this.phases.push([phase, now - this.last]);
    this.last = now;
  }

  header(): string {
    return this.phases.map(([phase, ms]) => `${phase};dur=${ms.toFixed(1)}`).join(', ');
  }
}
