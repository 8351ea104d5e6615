/**
 * The predict endpoint's HTTP semantics, independent of where it runs (Lambda Function URL, the local
 * platform's HTTP server): method, content type, body size and encoding, JSON, the request envelope and
 * records, the model, the answer, and which requests are captured. Returns the response and what the
 * caller must do after it (write the capture, emit the metrics); performs no I/O besides the model
 * provider it is given.
 *
 * Status codes: 200; 400 for any request the model cannot answer (each problem naming the instance, the
 * field and the expectation); 405 for a method other than POST; 413 for a body over
 * {@link MAX_BODY_BYTES}; 415 for a content type other than `application/json`; 503 while there is no
 * model to serve; 501 when the registered model needs the other serving engine; 502 when the SageMaker
 * endpoint fails; 500 otherwise.
 */
import { captureKey, captureLine, isCaptured } from './capture';
import { BadRequestError, MethodNotAllowedError, PayloadTooLargeError, ServingError, UnsupportedMediaTypeError, UnsupportedModelError, type FieldProblem, type ServingErrorKind } from './errors';
import type { ServingModel } from './model-cache';
import { explainModel, type Explanation } from '../models/explain';
import { featureMatrix, isEndpointModel, predict, predictOnEndpoint, type EndpointInvoker } from './predict';
import { assertRecords, parsePredictRequest } from './request';

/**
 * Largest request body accepted, in bytes after base64 decoding: 256 KiB. A Function URL takes up to
 * 6 MB, but a predict request is records of a few hundred bytes (100 flights ≈ 10 KB): a larger body is
 * a client mistake, and parsing it would cost memory and time before the batch limit could refuse it.
 */
export const MAX_BODY_BYTES = 256 * 1024;

/** An HTTP request as the predict path needs it (a Function URL event, payload format 2.0, maps to it). */
export interface HttpRequest {
  readonly method: string;
  /** Header names in lower case (as Function URLs deliver them). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded: boolean;
}

/** An HTTP response (the Function URL result shape). */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The body of a 200. */
export interface PredictResponseBody {
  readonly requestId: string;
  /** ISO 8601 instant of the answer — with `requestId`, what a label line names to find the capture (`labels/`). */
  readonly at: string;
  readonly modelVersion: number;
  readonly predictions: number[];
  /** Binary tasks: `[p(0), p(1)]` per record; the prediction is 1 when p(1) ≥ 0.5. */
  readonly probabilities?: number[][];
  /** Fields ignored under `dataset.unknownColumns: 'warn'`. */
  readonly warnings?: readonly string[];
  /** With `"explain": true`: per instance, each feature's contribution on the raw scale (value or log-odds). */
  readonly explanations?: readonly Explanation[];
}

/** The body of an error response. */
export interface ErrorResponseBody {
  readonly requestId: string;
  readonly error: ServingErrorKind;
  readonly message: string;
  /** 400 on records: each problem (instance, field, expected, received). */
  readonly problems?: readonly FieldProblem[];
  readonly modelVersion?: number;
}

/** What one request came to: the response, and what to record about it. */
export interface PredictOutcome {
  readonly response: HttpResponse;
  /** `ok`, or the kind of error. */
  readonly kind: 'ok' | ServingErrorKind;
  /** The version that answered (or would have), when a model was loaded. */
  readonly modelVersion?: number;
  /** Records predicted (0 on error). */
  readonly predictions: number;
  /** Present when this request is captured: the object to write. */
  readonly capture?: { readonly key: string; readonly body: string };
  /** The error, for the caller to log (unexpected errors in particular). */
  readonly error?: Error;
}

/** What {@link servePredict} needs besides the request. */
export interface ServeOptions {
  /** The request id returned to the client and used in the capture key: must match `SAFE_REQUEST_ID` (a captured request with another id is a 500). */
  readonly requestId: string;
  /** The model to answer with (the {@link ModelCache}). */
  readonly model: () => Promise<ServingModel>;
  /** Calls a version's SageMaker endpoint (SageMaker serving engines). @default - none: an XGBoost model is a 501 */
  readonly endpoint?: EndpointInvoker;
  /** `serving.maxBatch`. */
  readonly maxBatch: number;
  /** Whether per-prediction explanations are offered (governance, level 4). @default false */
  readonly explanations?: boolean;
  /** `serving.capturePercent`. */
  readonly capturePercent: number;
  /** The time of the answer (capture key and record). @default - now */
  readonly now?: Date;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** The invoker of an engine without endpoints: a SageMaker model cannot be scored here. */
const noEndpoint: EndpointInvoker = ({ version }) => {
  throw new UnsupportedModelError(`model version ${version} is a SageMaker XGBoost model and this predict function has no SageMaker endpoint to call (serving.engine 'lambda')`);
};

/** Answer one predict request. Never throws: every failure becomes a response. */
export async function servePredict(request: HttpRequest, options: ServeOptions): Promise<PredictOutcome> {
  const { requestId } = options;
  let modelVersion: number | undefined;
  try {
    const body = readJsonBody(request);
    // The envelope is checked before the model is needed, so a malformed request is a 400 even when
    // there is nothing to serve.
    const parsed = parsePredictRequest(body, { maxBatch: options.maxBatch });
    const model = await options.model();
    modelVersion = model.version;
    const warnings = assertRecords(parsed.instances, model.contract);
    if (parsed.explain && !options.explanations) {
      throw new BadRequestError('explain: explanations are offered at the governance level (level 4); this environment does not provide them');
    }
    if (parsed.explain && isEndpointModel(model.model)) throw new BadRequestError('explain: not available for SageMaker XGBoost models (serving.engine sagemaker-*)');
    const result = isEndpointModel(model.model)
      ? await predictOnEndpoint(model.model, model.spec, parsed.instances, model.version, options.endpoint ?? noEndpoint)
      : predict(model.model, model.spec, parsed.instances, model.version);
    const now = options.now ?? new Date();
    const at = now.toISOString();
    const answer: PredictResponseBody = {
      requestId,
      at,
      modelVersion: model.version,
      predictions: result.predictions,
      ...(result.probabilities ? { probabilities: result.probabilities } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
      ...(parsed.explain && !isEndpointModel(model.model) ? { explanations: explainModel(model.model, featureMatrix(model.spec, parsed.instances)) } : {}),
    };
    const capture = isCaptured(requestId, options.capturePercent)
      ? {
          key: captureKey(requestId, now),
          body: captureLine({
            requestId,
            at,
            modelVersion: model.version,
            request: { instances: parsed.instances },
            response: { predictions: result.predictions, ...(result.probabilities ? { probabilities: result.probabilities } : {}) },
          }),
        }
      : undefined;
    return {
      response: { statusCode: 200, headers: { ...JSON_HEADERS, 'x-request-id': requestId, 'x-model-version': String(model.version) }, body: JSON.stringify(answer) },
      kind: 'ok',
      modelVersion: model.version,
      predictions: result.predictions.length,
      ...(capture ? { capture } : {}),
    };
  } catch (error) {
    const known = error instanceof ServingError;
    const kind: ServingErrorKind = known ? error.kind : 'Internal';
    const body: ErrorResponseBody = {
      requestId,
      error: kind,
      // An unexpected error's message may name buckets and keys: the client gets the request id to quote.
      message: known ? error.message : `internal error; quote request id ${requestId}`,
      ...(error instanceof BadRequestError && error.problems.length > 0 ? { problems: error.problems } : {}),
      ...(modelVersion !== undefined ? { modelVersion } : {}),
    };
    const headers: Record<string, string> = { ...JSON_HEADERS, 'x-request-id': requestId };
    if (error instanceof MethodNotAllowedError) headers.allow = 'POST';
    return {
      response: { statusCode: known ? error.statusCode : 500, headers, body: JSON.stringify(body) },
      kind,
      ...(modelVersion !== undefined ? { modelVersion } : {}),
      predictions: 0,
      error: error instanceof Error ? error : new Error(String(error)),
    };
  }
}

/** A strict decoder: `decode` without `stream` keeps no state between calls, so one serves every request. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** Any UTF-16 surrogate code unit. */
const SURROGATE = /[\uD800-\uDFFF]/;

/** The media type of a Content-Type header value, lower case, without parameters. */
function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/**
 * The request body as parsed JSON, after the HTTP checks in order: method (405), content type (415),
 * size (413), encoding and JSON syntax (400).
 */
export function readJsonBody(request: HttpRequest): unknown {
  const method = request.method.toUpperCase();
  if (method !== 'POST') throw new MethodNotAllowedError(`method ${method} is not allowed: send POST with a JSON body`);
  const contentType = request.headers['content-type'];
  const type = mediaType(contentType);
  if (type !== 'application/json') {
    throw new UnsupportedMediaTypeError(`content-type must be application/json, got ${contentType === undefined ? 'none' : JSON.stringify(contentType)}`);
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1];
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8' && charset.toLowerCase() !== 'utf8') {
    throw new UnsupportedMediaTypeError(`content-type charset must be utf-8, got ${JSON.stringify(charset)}`);
  }
  const raw = request.body ?? '';
  // A text body without surrogates is its own UTF-8 round trip: only its size in bytes is needed. Any
  // other body is encoded and strictly decoded (a lone surrogate comes back as U+FFFD).
  const plain = !request.isBase64Encoded && !SURROGATE.test(raw);
  const bytes = plain ? undefined : request.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  const size = bytes === undefined ? Buffer.byteLength(raw, 'utf8') : bytes.length;
  if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError(`the body is ${size} bytes; at most ${MAX_BODY_BYTES} (256 KiB) are accepted — split the batch`);
  if (size === 0) throw new BadRequestError('the body is empty: send one record {"column": value, …} or a batch {"instances": [record, …]}');
  let text: string;
  try {
    text = bytes === undefined ? raw : UTF8.decode(bytes);
  } catch (error) {
    throw new BadRequestError(`the body is not valid UTF-8${request.isBase64Encoded ? ' after base64 decoding' : ''}`, [], { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`the body is not valid JSON: ${(error as Error).message}`, [], { cause: error });
  }
}
