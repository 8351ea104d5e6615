/**
 * The front Lambda's call to a model version's SageMaker endpoint (`InvokeEndpoint`, `text/csv` both
 * ways). The endpoint is the version's own (`endpointName`), so the request was transformed by the spec of
 * the model that scores it.
 */
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { endpointName } from '../core/sagemaker/endpoint';
import { EndpointFailedError } from '../core/serving/errors';
import type { EndpointInvoker } from '../core/serving/predict';

/** Options of {@link sagemakerEndpointInvoker}. */
export interface EndpointInvokerOptions {
  /** The config's `name` and `environment` (they name the endpoints). */
  readonly name: string;
  readonly environment: string;
  /** Longest wait for an answer; the call is aborted then. */
  readonly timeoutMs: number;
}

/** An {@link EndpointInvoker} calling the version's endpoint through the client `client()` gives (made on first use). */
export function sagemakerEndpointInvoker(client: () => SageMakerRuntimeClient, options: EndpointInvokerOptions): EndpointInvoker {
  return async ({ version, body }) => {
    const endpoint = endpointName(options.name, options.environment, version);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), options.timeoutMs);
    try {
      const out = await client().send(new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: 'text/csv', Accept: 'text/csv', Body: body }), { abortSignal: abort.signal });
      return new TextDecoder().decode(out.Body);
    } catch (error) {
      const e = error as { name?: string; message?: string };
      const why = abort.signal.aborted ? `no answer within ${options.timeoutMs} ms` : `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
      throw new EndpointFailedError(`the SageMaker endpoint ${endpoint} (model version ${version}) failed: ${why}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };
}
