/**
 * Every error the app throws on purpose, in one place and made one way: `new XError(code, message,
 * options?)`. The code is stable (tests, logs and JSON clients match on it); the message is a
 * sentence safe to show the person who caused it; the class says what kind of failure it is, and
 * so how it is answered (its HTTP status) or handled (retried, refused, reported). Anything thrown
 * that is not one of these is a bug: logged in full, shown as a generic 500.
 */

export interface ErrorOptions {
  /** What went wrong underneath, for the logs (never shown). */
  cause?: unknown;
  /** The form field the message is about, when there is one: a console form shows it beside that field. */
  field?: string;
}

export abstract class AppError extends Error {
  /** The HTTP status this failure is answered with, when a request caused it. */
  abstract readonly status: number;
  readonly field: string | undefined;

  constructor(
    readonly code: string,
    message: string,
    options: ErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.field = options.field;
  }
}

/** The input is not acceptable; saying it again will not help. */
export class BadRequestError extends AppError {
  readonly status = 400;
}

/** Only for someone signed in. */
export class UnauthorizedError extends AppError {
  readonly status = 401;
}

/** Not for this person, or not from there (another site's form, a forged token). */
export class ForbiddenError extends AppError {
  readonly status = 403;
}

export class NotFoundError extends AppError {
  readonly status = 404;
}

/** The one "missing page": routes that look something up and find nothing answer with this too. */
export function pageNotFound(): NotFoundError {
  return new NotFoundError('not_found', 'There is nothing at this address.');
}

/** The request clashes with work under way (a second import while one runs): try again when it is done. */
export class ConflictError extends AppError {
  readonly status = 409;
}

/** A body beyond what the route accepts; it is refused before, or as soon as, it goes past the limit. */
export class PayloadTooLargeError extends AppError {
  readonly status = 413;
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
}

/** Too many attempts; the answer carries Retry-After. */
export class TooManyRequestsError extends AppError {
  readonly status = 429;
  readonly retryAfterSeconds: number;

  constructor(code: string, message: string, options: ErrorOptions & { retryAfterSeconds: number }) {
    super(code, message, options);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** "Too many attempts. Please try again in 15 minutes." */
export function tryAgainIn(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return `Too many attempts. Please try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
}

/** A processing failure worth retrying later (the Stripe API is down, say): the work waits, nothing is lost. */
export class TemporaryError extends AppError {
  readonly status = 503;
}

/**
 * Stripe refused a request in a way waiting will not fix (a key without a permission, a page cursor
 * it no longer knows, a listed event that is not an event): said plainly, nothing written.
 */
export class StripeRefusedError extends AppError {
  readonly status = 502;
}

/** A Stripe object that is malformed or not what its event says: retrying it would not help. */
export class BadEventError extends AppError {
  readonly status = 422;
}

/** Settings that stop the app starting; `problems` names every one at once. */
export class ConfigError extends AppError {
  readonly status = 500;
  readonly problems: readonly string[];

  constructor(code: string, message: string, options: ErrorOptions & { problems: readonly string[] }) {
    super(code, message, options);
    this.problems = options.problems;
  }
}

/** A command or its arguments are wrong (exit code 64). */
export class UsageError extends AppError {
  readonly status = 400;
}
