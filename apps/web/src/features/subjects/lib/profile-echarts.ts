import { CustomChart } from 'echarts/charts';
import { DataZoomComponent, MarkAreaComponent } from 'echarts/components';
import { echarts } from '../../dashboards/widget/echarts-setup.ts';

// The profile draws what no widget type does: timeline bars (a custom series) with a zoomable
// time axis (data zoom). Registered here,
// beside the page that needs them, so the dashboards' bundle stays as it is.
echarts.use([CustomChart, MarkAreaComponent, DataZoomComponent]);

export { echarts };
