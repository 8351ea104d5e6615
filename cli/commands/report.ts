/**
 * `mlops report RUN --out F.html`: one run's HTML report (validation, metrics vs champion and baseline,
 * feature importance, lineage), written from the documents in the artifact bucket as one self-contained
 * file. A run that failed or was rejected still gets a report saying what is missing and why.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { ARTIFACT_PREFIX } from '../../lambda/core/layout';
import { readRunDocuments, RunNotFoundError, type RunDocumentStores, type RunDocuments } from '../../lambda/core/report/run-documents';
import { renderRunReport } from '../../lambda/core/report/run-report';
import { s3ArtifactStore } from '../../lambda/aws/s3-artifact-store';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { listObjects } from '../../lambda/aws/s3-store';
import { EXIT, UsageError } from '../errors';
import { formatBytes, type Output } from '../output';

/** Options of `mlops report`. */
export interface ReportOptions {
  /** The HTML file to write (its folder is created). */
  readonly out: string;
  /** The report's generation time; default: now. */
  readonly now?: () => Date;
}

/** The stores a run's report reads from the artifact bucket (the listing finds a drift run's triggering report). */
export function s3RunDocumentStores(client: S3Client, artifactBucket: string): RunDocumentStores {
  return {
    artifacts: s3ArtifactStore(client, artifactBucket),
    registry: s3RegistryStore(client, artifactBucket),
    listKeys: async (prefix) => (await listObjects(client, artifactBucket, prefix)).map((o) => o.key),
  };
}

/**
 * Write run `runId`'s report from `artifactBucket`. Exit 0 when written; 1 when the run has no record
 * (the message names the run and the bucket); a file that cannot be written is a usage error (2).
 */
export async function reportCommand(client: S3Client, artifactBucket: string, runId: string, options: ReportOptions, output: Output): Promise<number> {
  let documents: RunDocuments;
  try {
    documents = await readRunDocuments(s3RunDocumentStores(client, artifactBucket), runId);
  } catch (error) {
    if (!(error instanceof RunNotFoundError)) throw error;
    output.err(`mlops: run ${runId} not found in s3://${artifactBucket}/${ARTIFACT_PREFIX.runs} (list them with: mlops runs)`);
    return EXIT.failed;
  }
  const html = renderRunReport({ ...documents, generatedAt: (options.now?.() ?? new Date()).toISOString() });
  try {
    await mkdir(dirname(options.out), { recursive: true });
    await writeFile(options.out, html);
  } catch (error) {
    throw new UsageError(`cannot write ${options.out}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const missing = [!documents.validation && 'validation', !documents.evaluation && 'evaluation', !documents.manifest && 'lineage'].filter((m): m is string => typeof m === 'string');
  output.out(`wrote ${options.out} (${formatBytes(Buffer.byteLength(html))}): run ${runId} ${documents.run.status}${missing.length > 0 ? `; without ${missing.join(', ')} (the report says why)` : ''}`);
  return EXIT.ok;
}
