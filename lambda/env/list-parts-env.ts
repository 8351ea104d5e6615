/** The environment contract of the list-parts Lambda (the first step of validating a part-file dataset). */
import { z } from 'zod';

/** Variables the list-parts handler reads. */
export const listPartsEnvSchema = z.object({
  DATA_BUCKET: z.string().min(3),
  ARTIFACT_BUCKET: z.string().min(3),
  POWERTOOLS_SERVICE_NAME: z.string().default('list-parts'),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

/** The parsed environment of the list-parts Lambda. */
export type ListPartsEnv = z.infer<typeof listPartsEnvSchema>;
