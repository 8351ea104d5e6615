/**
 * The errors of the predict path, each carrying the HTTP status it answers with. Client mistakes are
 * 4xx and name the instance, the field and what was expected; the absence of a servable model is 503
 * (or 501 for a model this serving engine cannot score); a SageMaker endpoint that fails or is
 * unreachable is 502; anything else is a 500 the handler logs.
 */

/** What kind of failure a response reports (also the `errorKind` metric dimension). */
export type ServingErrorKind =
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'PayloadTooLarge'
  | 'NoModel'
  | 'UnsupportedModel'
  | 'InvalidModel'
  | 'EndpointFailed'
  | 'Internal';

/** One problem with one field of one instance of a request. */
export interface FieldProblem {
  /** Index of the instance in the batch (0 for a single record). */
  readonly instance: number;
  /** The field (column) concerned. */
  readonly field: string;
  /** What was expected, e.g. `a number`. */
  readonly expected: string;
  /** What was received, e.g. `the string "NaN"`. */
  readonly received: string;
}

/** A failure of the predict path that maps to an HTTP status. */
export abstract class ServingError extends Error {
  /** The HTTP status code the response carries. */
  abstract readonly statusCode: number;
  /** The kind, for the response body and the metrics. */
  abstract readonly kind: ServingErrorKind;
}

/** The request is not one the model can answer (400); `problems` lists each field problem found. */
export class BadRequestError extends ServingError {
  readonly statusCode = 400;
  readonly kind = 'BadRequest';
  constructor(
    message: string,
    readonly problems: readonly FieldProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BadRequestError';
  }
}

/** Only POST predicts (405). */
export class MethodNotAllowedError extends ServingError {
  readonly statusCode = 405;
  readonly kind = 'MethodNotAllowed';
  constructor(message: string) {
    super(message);
    this.name = 'MethodNotAllowedError';
  }
}

/** The body is not declared as JSON (415). */
export class UnsupportedMediaTypeError extends ServingError {
  readonly statusCode = 415;
  readonly kind = 'UnsupportedMediaType';
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** The body is larger than the predict path accepts (413). */
export class PayloadTooLargeError extends ServingError {
  readonly statusCode = 413;
  readonly kind = 'PayloadTooLarge';
  constructor(message: string) {
    super(message);
    this.name = 'PayloadTooLargeError';
  }
}

/** No model to serve: no champion yet, or the pinned version is not registered (503). */
export class NoModelError extends ServingError {
  readonly statusCode = 503;
  readonly kind = 'NoModel';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NoModelError';
  }
}

/** The registered model cannot be scored by this engine (a SageMaker XGBoost model): 501. */
export class UnsupportedModelError extends ServingError {
  readonly statusCode = 501;
  readonly kind = 'UnsupportedModel';
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedModelError';
  }
}

/** The registered artifacts are not a model and transform spec this code can read (500). */
export class InvalidModelError extends ServingError {
  readonly statusCode = 500;
  readonly kind = 'InvalidModel';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidModelError';
  }
}

/**
 * The SageMaker endpoint behind the front Lambda failed the request or could not be reached (502): its
 * error code and message are passed on (they name the endpoint, not the caller's data).
 */
export class EndpointFailedError extends ServingError {
  readonly statusCode = 502;
  readonly kind = 'EndpointFailed';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EndpointFailedError';
  }
}
