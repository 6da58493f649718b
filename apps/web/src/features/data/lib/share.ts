/**
 * `part` of `whole` as a percentage for the profile. Rounded, but never to a number that
 * contradicts the counts beside it: 95 missing of 1,026,129 is "<0.1%", not "0%", and its filled
 * share "99.99%" or ">99.9%", never "100%".
 */
export function shareText(part: number, whole: number): string {
  if (whole <= 0 || part <= 0) return '0%';
  if (part >= whole) return '100%';
  const value = (part / whole) * 100;
  const rounded = Math.round(value);
  if (rounded > 0 && rounded < 100) return `${rounded}%`;
  const fine = Math.round(value * 10) / 10;
  if (fine > 0 && fine < 100) return `${fine.toFixed(1)}%`;
  return value < 50 ? '<0.1%' : '>99.9%';
}
