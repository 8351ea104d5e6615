/**
 * The dataset declaration as it travels to a Lambda: JSON in an environment variable, parsed and
 * checked with the same zod schema as the config file.
 */
import { datasetSchema, type DatasetConfig } from '../../../config/schema';

/** The `DATASET_SCHEMA` variable is missing or does not match the config schema. */
export class DatasetSchemaError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatasetSchemaError';
  }
}

/** Parse the dataset section from its JSON text. */
export function parseDatasetSchema(json: string): DatasetConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new DatasetSchemaError(`DATASET_SCHEMA is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = datasetSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DatasetSchemaError(`DATASET_SCHEMA does not match the dataset schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}
