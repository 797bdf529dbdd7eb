/** The four exportable figures: id (also the data-testid), title and builder. */
export { buildRatePlot, ratePlotModel, RATE_PLOT_AXES } from './rate-plot.ts';
export { buildSlopePlot, slopePlotModel, SLOPE_PLOT_AXES } from './slope-plot.ts';
export { alignmentHeatmapModel, buildAlignmentHeatmap, HEATMAP_AXES, type HeatmapColumn } from './alignment-heatmap.ts';
export { buildGaugeFloor, gaugeFloorModel, GAUGE_FLOOR_AXES } from './gauge-floor.ts';
export { buildNuHatPlot, nuHatPlotModel, NU_HAT_AXES, type NuHatInput } from './nu-hat.ts';
export { directionsInput, type DirectionsInput, type FigureModel, type FigureOptions, type FigureSize, type FigureView } from './common.ts';

export { defaultChosen, seriesPlotHeight, seriesPlotModel, SERIES_AXES, type SeriesInput, type SeriesPoint } from './series-plot.ts';

export type FigureId = 'rate-plot' | 'slope-plot' | 'alignment-heatmap' | 'gauge-floor-chart' | 'series-plot' | 'compare-rate-plot' | 'compare-slope-plot' | 'nu-hat-plot';
export const FIGURE_IDS: readonly FigureId[] = ['rate-plot', 'slope-plot', 'alignment-heatmap', 'gauge-floor-chart', 'series-plot', 'compare-rate-plot', 'compare-slope-plot', 'nu-hat-plot'];
