/**
 * The chemistry and haematology panel drawn at every visit. Reference ranges are typical adult
 * central-lab ranges in conventional (US) units; the SI range is the conventional one converted
 * and rounded, so a value and its range always convert the same way. Population medians and
 * spreads are in SI units and produce realistic shares of out-of-range values.
 */

export type Sex = 'M' | 'F';

export interface LabTest {
  code: string;
  name: string;
  category: 'CHEMISTRY' | 'HEMATOLOGY';
  specimen: 'SERUM' | 'BLOOD';
  conventionalUnit: string;
  siUnit: string;
  /** SI value of one conventional unit. */
  factor: number;
  conventionalDecimals: number;
  siDecimals: number;
  /** Conventional reference range [low, high], per sex. */
  range: Record<Sex, readonly [number, number]>;
  /** Population median in SI units, per sex. */
  median: Record<Sex, number>;
  /** Log-scale spread between subjects. */
  between: number;
  /** Log-scale spread between visits of one subject. */
  within: number;
}

const same = <T>(value: T): Record<Sex, T> => ({ M: value, F: value });

export const LAB_TESTS: readonly LabTest[] = [
  {
    code: 'ALT',
    name: 'Alanine Aminotransferase',
    category: 'CHEMISTRY',
    specimen: 'SERUM',
    conventionalUnit: 'U/L',
    siUnit: 'U/L',
    factor: 1,
    conventionalDecimals: 0,
    siDecimals: 0,
    range: same([7, 40] as const),
    median: { M: 23, F: 18 },
    between: 0.35,
    within: 0.15,
  },
  {
    code: 'AST',
    name: 'Aspartate Aminotransferase',
    category: 'CHEMISTRY',
    specimen: 'SERUM',
    conventionalUnit: 'U/L',
    siUnit: 'U/L',
    factor: 1,
    conventionalDecimals: 0,
    siDecimals: 0,
    range: same([10, 40] as const),
    median: { M: 23, F: 20 },
    between: 0.25,
    within: 0.12,
  },
  {
    code: 'ALP',
    name: 'Alkaline Phosphatase',
    category: 'CHEMISTRY',
    specimen: 'SERUM',
    conventionalUnit: 'U/L',
    siUnit: 'U/L',
    factor: 1,
    conventionalDecimals: 0,
    siDecimals: 0,
    range: same([40, 129] as const),
    median: { M: 74, F: 70 },
    between: 0.25,
    within: 0.08,
  },
  {
    code: 'BILI',
    name: 'Bilirubin',
    category: 'CHEMISTRY',
    specimen: 'SERUM',
    conventionalUnit: 'mg/dL',
    siUnit: 'umol/L',
    factor: 17.1,
    conventionalDecimals: 1,
    siDecimals: 0,
    range: same([0.2, 1.2] as const),
    median: { M: 9.5, F: 8 },
    between: 0.35,
    within: 0.18,
  },
  {
    code: 'CREAT',
    name: 'Creatinine',
    category: 'CHEMISTRY',
    specimen: 'SERUM',
    conventionalUnit: 'mg/dL',
    siUnit: 'umol/L',
    factor: 88.4,
    conventionalDecimals: 2,
    siDecimals: 0,
    range: { M: [0.74, 1.35], F: [0.59, 1.04] },
    median: { M: 88, F: 69 },
    between: 0.15,
    within: 0.06,
  },
  {
    code: 'GLUC',
    name: 'Glucose',
    category: 'CHEMISTRY',
    specimen: 'SERUM',
    conventionalUnit: 'mg/dL',
    siUnit: 'mmol/L',
    factor: 0.0555,
    conventionalDecimals: 0,
    siDecimals: 1,
    range: same([70, 99] as const),
    median: same(5.2),
    between: 0.1,
    within: 0.08,
  },
  {
    code: 'ALB',
    name: 'Albumin',
    category: 'CHEMISTRY',
    specimen: 'SERUM',
    conventionalUnit: 'g/dL',
    siUnit: 'g/L',
    factor: 10,
    conventionalDecimals: 1,
    siDecimals: 0,
    range: same([3.5, 5] as const),
    median: same(42),
    between: 0.06,
    within: 0.04,
  },
  {
    code: 'SODIUM',
    name: 'Sodium',
    category: 'CHEMISTRY',
    specimen: 'SERUM',
    conventionalUnit: 'mEq/L',
    siUnit: 'mmol/L',
    factor: 1,
    conventionalDecimals: 0,
    siDecimals: 0,
    range: same([135, 145] as const),
    median: same(140),
    between: 0.01,
    within: 0.01,
  },
  {
    code: 'K',
    name: 'Potassium',
    category: 'CHEMISTRY',
    specimen: 'SERUM',
    conventionalUnit: 'mEq/L',
    siUnit: 'mmol/L',
    factor: 1,
    conventionalDecimals: 1,
    siDecimals: 1,
    range: same([3.5, 5.1] as const),
    median: same(4.3),
    between: 0.05,
    within: 0.06,
  },
  {
    code: 'HGB',
    name: 'Hemoglobin',
    category: 'HEMATOLOGY',
    specimen: 'BLOOD',
    conventionalUnit: 'g/dL',
    siUnit: 'g/L',
    factor: 10,
    conventionalDecimals: 1,
    siDecimals: 0,
    range: { M: [13.5, 17.5], F: [12, 15.5] },
    median: { M: 148, F: 134 },
    between: 0.07,
    within: 0.04,
  },
  {
    code: 'WBC',
    name: 'Leukocytes',
    category: 'HEMATOLOGY',
    specimen: 'BLOOD',
    conventionalUnit: '10^3/uL',
    siUnit: '10^9/L',
    factor: 1,
    conventionalDecimals: 2,
    siDecimals: 2,
    range: same([4, 11] as const),
    median: same(6.6),
    between: 0.2,
    within: 0.12,
  },
  {
    code: 'NEUT',
    name: 'Neutrophils',
    category: 'HEMATOLOGY',
    specimen: 'BLOOD',
    conventionalUnit: '10^3/uL',
    siUnit: '10^9/L',
    factor: 1,
    conventionalDecimals: 2,
    siDecimals: 2,
    range: same([1.8, 7.7] as const),
    median: same(3.9),
    between: 0.25,
    within: 0.15,
  },
  {
    code: 'PLAT',
    name: 'Platelets',
    category: 'HEMATOLOGY',
    specimen: 'BLOOD',
    conventionalUnit: '10^3/uL',
    siUnit: '10^9/L',
    factor: 1,
    conventionalDecimals: 0,
    siDecimals: 0,
    range: same([150, 400] as const),
    median: same(250),
    between: 0.2,
    within: 0.08,
  },
];

/** Rounds without binary noise: `roundTo(0.1 + 0.2, 2)` is 0.3. */
export function roundTo(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}

/** The SI reference range: the conventional one converted, at SI precision. */
export function siRange(test: LabTest, sex: Sex): [number, number] {
  const [low, high] = test.range[sex];
  return [roundTo(low * test.factor, test.siDecimals), roundTo(high * test.factor, test.siDecimals)];
}
