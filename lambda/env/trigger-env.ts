/** The environment contract of the trigger Lambda. */
import { z } from 'zod';

/** Variables the trigger reads. */
export const triggerEnvSchema = z.object({
  STATE_MACHINE_ARN: z.string().min(1),
  POWERTOOLS_SERVICE_NAME: z.string().default('trigger'),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});
