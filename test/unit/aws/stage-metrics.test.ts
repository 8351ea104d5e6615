/**
 * Pipeline metrics leave as CloudWatch embedded metric format lines on stdout (what CloudWatch Logs
 * turns into metrics, and what the local platform will read).
 */
import { emitStageMetrics, MetricUnit } from '../../../lambda/aws/stage-metrics';

test('one EMF document with the namespace, environment and stage dimensions, and every finite value', () => {
  // Prepare
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });

  // Act
  try {
    emitStageMetrics('MLOps/flights', 'dev', 'features', [
      { name: 'TrainingRows', value: 16000 },
      { name: 'FitDuration', value: 250, unit: MetricUnit.Milliseconds },
      { name: 'Broken', value: Number.NaN },
    ]);
  } finally {
    spy.mockRestore();
  }

  // Assess
  const documents = lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(documents).toHaveLength(1);
  const emf = documents[0]! as { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } } & Record<string, unknown>;
  expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({
    Namespace: 'MLOps/flights',
    Metrics: [
      { Name: 'TrainingRows', Unit: 'Count' },
      { Name: 'FitDuration', Unit: 'Milliseconds' },
    ],
  });
  expect(emf._aws.CloudWatchMetrics[0]!.Dimensions[0]).toEqual(expect.arrayContaining(['environment', 'stage']));
  expect(emf).toMatchObject({ environment: 'dev', stage: 'features', TrainingRows: 16000, FitDuration: 250 });
  expect(emf).not.toHaveProperty('Broken');
});
