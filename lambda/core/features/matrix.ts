/**
 * The feature matrix every model trains on: columns of typed arrays, numeric or categorical. The
 * features stage builds it from raw rows with a fitted transform spec; models read it; the predict
 * path builds a one-row matrix with the same spec.
 */

/** A numeric feature: one float per row; NaN marks a missing value (models decide how to treat it). */
export interface NumericFeature {
  readonly kind: 'numeric';
  readonly name: string;
  readonly values: Float64Array;
}

/**
 * A categorical feature split natively by tree models: one code per row in 0…cardinality−1, where the
 * spec reserves code 0 for "other / unseen / missing" and codes 1… for the kept categories.
 */
export interface CategoricalFeature {
  readonly kind: 'categorical';
  readonly name: string;
  readonly codes: Int32Array;
  readonly cardinality: number;
}

/** One feature column. */
export type Feature = NumericFeature | CategoricalFeature;

/** Rows × features, column-major. */
export interface FeatureMatrix {
  readonly rows: number;
  readonly features: readonly Feature[];
}

/** A training set: features and the target (regression: a number; binary: 0 or 1). */
export interface Dataset {
  readonly x: FeatureMatrix;
  readonly y: Float64Array;
}

/** Take the rows at `indices` of a matrix (for validation slices and permutation importance). */
export function takeRows(matrix: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const n = indices.length;
  const features = matrix.features.map((f): Feature => {
    if (f.kind === 'numeric') {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = f.values[indices[i]!]!;
      return { kind: 'numeric', name: f.name, values };
    }
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = f.codes[indices[i]!]!;
    return { kind: 'categorical', name: f.name, codes, cardinality: f.cardinality };
  });
  return { rows: n, features };
}

/** A deterministic pseudo-random generator (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
