/**
 * When a failed delivery is tried again, counted from the failed attempt: roughly doubling and
 * spread over about a day (5 s … 10 h, 27.6 hours in all), as Standard Webhooks senders do. After the
 * last one fails, the delivery is failed and the endpoint disabled with a notice.
 */
export const WEBHOOK_RETRY_DELAYS_SECONDS = [5, 60, 300, 1800, 7200, 18_000, 36_000, 36_000] as const;

/** Attempts in all: the first plus one per delay. */
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_DELAYS_SECONDS.length + 1;

/** Seconds to wait after attempt `attempt` (1-based) failed, or null when it was the last. */
export function retryDelayAfter(attempt: number): number | null {
  return WEBHOOK_RETRY_DELAYS_SECONDS[attempt - 1] ?? null;
}
