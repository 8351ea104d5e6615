/**
 * Pipeline metrics to CloudWatch as embedded metric format (EMF) log lines, through Powertools Metrics:
 * namespace `MLOps/<name>`, dimension `environment` (and `stage`). CloudWatch turns the lines into
 * metrics without an API call; the local platform reads the same lines.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** One metric value. */
export interface StageMetric {
  readonly name: string;
  readonly value: number;
  readonly unit?: (typeof MetricUnit)[keyof typeof MetricUnit];
}

/** Emit a stage's metrics as one EMF document. */
export function emitStageMetrics(namespace: string, environment: string, stage: string, values: readonly StageMetric[]): void {
  const metrics = new Metrics({ namespace, serviceName: stage, defaultDimensions: { environment, stage } });
  for (const m of values) if (Number.isFinite(m.value)) metrics.addMetric(m.name, m.unit ?? MetricUnit.Count, m.value);
  metrics.publishStoredMetrics();
}

export { MetricUnit };
