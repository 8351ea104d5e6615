/**
 * Writes `config/schema.json` from the zod schema, for editors (`"$schema": "./schema.json"`).
 * Run `npm run schema` after changing `config/schema.ts`; a test fails while the file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from './schema';

/** The exact text `config/schema.json` must hold. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify({ title: 'mlops-platform environment config', ...configJsonSchema() }, null, 2)}\n`;
}

if (require.main === module) {
  const out = join(__dirname, 'schema.json');
  writeFileSync(out, renderConfigJsonSchema());
  process.stdout.write(`wrote ${out}\n`);
}
