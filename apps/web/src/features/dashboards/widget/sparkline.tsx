/** A tiny trend line (SVG, no axes): the shape matters here, the numbers are in the tooltip. */
export function Sparkline({ points, label }: { points: { period: string; value: number }[]; label: string }) {
  if (points.length < 2) return null;
  const width = 120;
  const height = 32;
  const values = points.map((p) => p.value);
  const min = Math.min(...values);
  const span = Math.max(...values) - min || 1;
  const xy = points.map(
    (p, i) => [(i / (points.length - 1)) * width, height - 2 - ((p.value - min) / span) * (height - 4)] as const,
  );
  const line = xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const last = xy[xy.length - 1] ?? [0, 0];
  const first = points[0];
  const end = points[points.length - 1];
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      className="h-7 w-24 shrink-0 overflow-visible text-primary"
      role="img"
      aria-label={`${label}: ${first?.value.toLocaleString()} in ${first?.period} to ${end?.value.toLocaleString()} in ${end?.period}`}
    >
      <polygon points={`0,${height} ${line} ${width},${height}`} className="fill-current opacity-10" />
      <polyline
        points={line}
        fill="none"
        stroke="currentColor"
        strokeWidth={1.75}
        strokeLinejoin="round"
        strokeLinecap="round"
      />
      <circle cx={last[0]} cy={last[1]} r={2.5} className="fill-current" />
    </svg>
  );
}
