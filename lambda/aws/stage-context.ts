/**
 * What every training-pipeline stage handler needs, built once per container from its environment:
 * the parsed config, the S3 client, the artifact store, the registry store and the logger.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import { stageConfigSchema, type StageConfig } from '../../config/schema';
import type { RegistryStore } from '../core/registry/registry';
import type { ArtifactStore } from '../core/stages/artifact-store';
import { stageEnvSchema, type StageEnv } from '../env/stage-env';
import { s3Client } from './clients';
import { s3ArtifactStore } from './s3-artifact-store';
import { s3RegistryStore } from './s3-registry-store';

/** The stage's environment or config variable is not what the construct sets. */
export class StageConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StageConfigError';
  }
}

/** A stage handler's dependencies. */
export interface StageContext {
  readonly env: StageEnv;
  readonly config: StageConfig;
  readonly client: S3Client;
  readonly artifacts: ArtifactStore;
  readonly registry: RegistryStore;
  readonly logger: Logger;
}

/** Parse the environment and build the stores (call at module scope). */
export function stageContext(environment: NodeJS.ProcessEnv = process.env): StageContext {
  const env = stageEnvSchema.parse(environment);
  let raw: unknown;
  try {
    raw = JSON.parse(env.PLATFORM_CONFIG);
  } catch (error) {
    throw new StageConfigError(`PLATFORM_CONFIG is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = stageConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new StageConfigError(`PLATFORM_CONFIG does not match the config schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const client = s3Client();
  return {
    env,
    config: parsed.data,
    client,
    artifacts: s3ArtifactStore(client, env.ARTIFACT_BUCKET),
    registry: s3RegistryStore(client, env.ARTIFACT_BUCKET),
    logger: new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL }),
  };
}
