/** `config/schema.json` is generated from the zod schema; this test fails while it is out of date. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DIR } from '../../../config/load';
import { renderConfigJsonSchema } from '../../../config/generate-schema';

test('config/schema.json matches the zod schema', () => {
  // Prepare
  const onDisk = readFileSync(join(CONFIG_DIR, 'schema.json'), 'utf8');
  // Act
  const rendered = renderConfigJsonSchema();
  // Assess: the message says how to fix it.
  const status = onDisk === rendered ? 'up to date' : 'config/schema.json is out of date: run `npm run schema` and commit the result';
  expect(status).toBe('up to date');
});

test('the JSON Schema describes the sections and the input shape (defaults optional)', () => {
  // Act
  const schema = JSON.parse(renderConfigJsonSchema()) as { title: string; required: string[]; properties: Record<string, unknown>; additionalProperties: boolean };
  // Assess
  expect(schema.title).toBe('mlops-platform environment config');
  expect([...schema.required].sort()).toEqual(['dataset', 'environment', 'gate', 'maturityLevel', 'name']);
  expect(Object.keys(schema.properties)).toEqual(
    expect.arrayContaining(['dataset', 'features', 'model', 'gate', 'serving', 'monitoring', 'alerts', 'overrides', 'storage']),
  );
  expect(schema.additionalProperties).toBe(false);
});
