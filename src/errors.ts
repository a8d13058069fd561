/** An error whose message is safe to show: a status, a stable code and a short sentence. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, message: string) {
    super(400, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found') {
    super(404, 'not_found', message);
  }
}

/** A processing failure worth retrying later (the Stripe API is down, say). */
export class TemporaryError extends Error {
  override name = 'TemporaryError';
}
