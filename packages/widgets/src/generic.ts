import { barWidget } from './bar/index.ts';
import { boxPlotWidget } from './box-plot/index.ts';
import { histogramWidget } from './histogram/index.ts';
import { lineWidget } from './line/index.ts';
import { metricWidget } from './metric/index.ts';
import { pieWidget } from './pie/index.ts';
import { pivotWidget } from './pivot/index.ts';
import { scatterWidget } from './scatter/index.ts';
import { tableWidget } from './table/index.ts';
import type { WidgetType } from './types.ts';

/** The widget types that work on any dataset: fields such as `category` and `value`, no clinical meaning. */
export const genericWidgets: WidgetType[] = [
  metricWidget,
  lineWidget,
  barWidget,
  pieWidget,
  scatterWidget,
  boxPlotWidget,
  histogramWidget,
  tableWidget,
  pivotWidget,
];
