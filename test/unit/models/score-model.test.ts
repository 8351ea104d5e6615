/**
 * `scoreModel` (the predict path's scorer: a GBDT's trees flattened once per model) gives exactly
 * `predictModel`'s numbers: on the training rows, on rows with missing values and unseen categories, for
 * regression and binary GBDTs and for linear models (which it hands to `predictModel`).
 */
import { predictModel } from '../../../lambda/core/models/train-model';
import { scoreModel } from '../../../lambda/core/models/score-model';
import { applyTransformSpec } from '../../../lambda/core/features/transform-spec';
import { readTable } from '../../../lambda/core/features/table';
import { memorySource } from '../../../lambda/core/validation/local-source';
import { trainFixture } from '../serving/fixtures';

/** A CSV of awkward rows: a missing distance, an airport training never saw, a missing date part. */
const AWKWARD = ['date,delay,distance,origin,destination', '2001-01-05T10:00:00,3,,SFO,LAX', '2001-01-06T23:59:00,0,2500,ZZZ,QQQ', '2001-01-07T00:00:00,1,31,,'].join('\n');

describe.each([
  ['regression GBDT', { task: 'regression' as const, algorithm: 'gbdt' as const }],
  ['binary GBDT', { task: 'binary' as const, algorithm: 'gbdt' as const }],
  ['regression linear', { task: 'regression' as const, algorithm: 'linear' as const }],
])('%s', (_name, options) => {
  test('the training rows score bit-identically to predictModel', async () => {
    // Prepare
    const fixture = await trainFixture(options);

    // Act
    const fast = scoreModel(fixture.model, fixture.matrix);
    const reference = predictModel(fixture.model, fixture.matrix);

    // Assess
    expect(fast).toHaveLength(fixture.matrix.rows);
    expect(Array.from(fast)).toEqual(Array.from(reference));
  });

  test('rows with missing values and unseen categories score bit-identically, and a second call (the flattened forest reused) gives the same', async () => {
    // Prepare
    const fixture = await trainFixture(options);
    const dataset = { ...fixture.config.dataset, columns: { ...fixture.config.dataset.columns, distance: { ...fixture.config.dataset.columns.distance!, nullable: true } } };
    const table = await readTable(memorySource('awkward.csv', AWKWARD, 1024), dataset as typeof fixture.config.dataset);
    const matrix = applyTransformSpec(fixture.spec, table);

    // Act
    const batch = scoreModel(fixture.model, matrix);
    const again = scoreModel(fixture.model, matrix);

    // Assess: the same as the reference, and the flattened model is reused, not changed, by a second call.
    expect(Array.from(batch)).toEqual(Array.from(predictModel(fixture.model, matrix)));
    expect(Array.from(again)).toEqual(Array.from(batch));
  });
});
