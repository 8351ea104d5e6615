/**
 * Serving a SageMaker XGBoost model, the pure parts: endpoint and endpoint-config names (SageMaker's
 * 63-character `[a-zA-Z0-9-]` rule, one stem per environment for IAM), the CSV the front Lambda sends (the
 * model's training columns, checked), and the container's answer read back in either of its layouts.
 */
import type { FeatureMatrix } from '../../../lambda/core/features/matrix';
import { endpointConfigName, endpointInput, EndpointInputError, endpointName, EndpointOutputError, endpointStem, parseEndpointOutput } from '../../../lambda/core/sagemaker/endpoint';
import { toXgboostCsv, xgboostColumns } from '../../../lambda/core/sagemaker/xgboost';

const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

describe('names', () => {
  test('a short platform and environment: <name>-<env>-v<version>, the config adds the deployment time', () => {
    expect(endpointStem('flights', 'prod')).toBe('flights-prod');
    expect(endpointName('flights', 'prod', 12)).toBe('flights-prod-v12');
    expect(endpointConfigName('flights', 'prod', 12, new Date('2026-11-27T19:04:05.678Z'))).toBe('flights-prod-v12-261127190405');
  });

  test('the longest names the config allows (32 + 32 characters) stay within SageMaker’s 63, under one stable stem', () => {
    const name = `a${'b'.repeat(30)}c`;
    const environment = `e${'f'.repeat(30)}g`;
    const stem = endpointStem(name, environment);
    expect(stem.length).toBeLessThanOrEqual(40);
    expect(stem).toMatch(/^ab+c-[0-9a-f]{6}$/);
    expect(stem).toBe(endpointStem(name, environment));
    expect(stem).not.toBe(endpointStem(name, `${environment.slice(0, -1)}h`));
    for (const version of [1, 999_999]) {
      const endpoint = endpointName(name, environment, version);
      const config = endpointConfigName(name, environment, version, new Date('2099-12-31T23:59:59Z'));
      expect(endpoint).toMatch(SAGEMAKER_NAME);
      expect(config).toMatch(SAGEMAKER_NAME);
      // IAM grants on `<stem>-*`: every name of the environment starts with it.
      expect(endpoint.startsWith(`${stem}-`)).toBe(true);
      expect(config.startsWith(`${stem}-`)).toBe(true);
    }
  });

  test('a version is a positive integer', () => {
    expect(() => endpointName('flights', 'dev', 0)).toThrow(RangeError);
    expect(() => endpointName('flights', 'dev', 1.5)).toThrow(/positive integer/);
  });
});

const matrix: FeatureMatrix = {
  rows: 2,
  features: [
    { kind: 'numeric', name: 'distance', values: Float64Array.from([950, Number.NaN]) },
    { kind: 'categorical', name: 'origin', cardinality: 3, codes: Int32Array.from([2, 0]) },
  ],
};

describe('endpointInput', () => {
  test('the rows as the training CSV had them: no target, categories one-hot, missing as empty', () => {
    const model = { columns: xgboostColumns(matrix) };
    expect(model.columns).toEqual(['distance', 'origin=0', 'origin=1', 'origin=2']);
    const body = endpointInput(model, matrix);
    expect(new TextDecoder().decode(body)).toBe('950,0,0,1\n,1,0,0\n');
    expect(body).toEqual(toXgboostCsv(matrix));
  });

  test('columns other than the model’s are refused, naming the first difference', () => {
    expect(() => endpointInput({ columns: ['distance', 'origin=0', 'origin=1'] }, matrix)).toThrow(EndpointInputError);
    expect(() => endpointInput({ columns: ['distance', 'origin=0', 'origin=1'] }, matrix)).toThrow(/gives 4 CSV columns, the model was trained on 3; first difference at column 4: "origin=2" vs undefined/);
    expect(() => endpointInput({ columns: ['distance', 'origin=0', 'origin=9', 'origin=2'] }, matrix)).toThrow(/first difference at column 3: "origin=1" vs "origin=9"/);
  });
});

describe('parseEndpointOutput', () => {
  test.each([
    ['comma-separated', '0.25,1.5,-3'],
    ['one per line', '0.25\n1.5\n-3\n'],
    ['bracketed', '[0.25],[1.5],[-3]'],
    ['with spaces and CRLF', ' 0.25 ,1.5\r\n,-3'],
  ])('%s', (_, body) => {
    expect(Array.from(parseEndpointOutput(body, 3))).toEqual([0.25, 1.5, -3]);
  });

  test('a count other than the rows sent, or a non-number, is an EndpointOutputError', () => {
    expect(() => parseEndpointOutput('0.1,0.2', 3)).toThrow(new EndpointOutputError('the endpoint answered 2 predictions for 3 rows'));
    expect(() => parseEndpointOutput('', 1)).toThrow(/answered 0 predictions for 1 rows/);
    expect(() => parseEndpointOutput('0.1,oops', 2)).toThrow(/prediction 2 is not a number: "oops"/);
    expect(() => parseEndpointOutput('NaN', 1)).toThrow(/prediction 1 is not a number/);
  });
});
