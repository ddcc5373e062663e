// The loss and accuracy curves of a run, as a PNG.
import type { EpochMetrics } from './run-dir.js';

export async function plotRun(metrics: EpochMetrics[], path: string): Promise<void> {
  const { plotCurves } = await import('../vision/utils/plot.js');
  await plotCurves({
    title: 'training curves',
    xLabel: 'epoch',
    x: metrics.map((m) => m.epoch),
    series: {
      'train loss': metrics.map((m) => m.trainLoss),
      'test loss': metrics.map((m) => m.testLoss ?? NaN),
      'train accuracy': metrics.map((m) => m.trainAccuracy ?? NaN),
      'test accuracy': metrics.map((m) => m.testAccuracy),
    },
    path,
  });
}
