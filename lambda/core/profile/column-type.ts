/** The value types a dataset column may declare (the config schema is the source; type-only import). */
export type { ColumnType } from '../../../config/schema';
