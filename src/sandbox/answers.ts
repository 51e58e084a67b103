/** What a handler answers, before the HTTP layer adds the headers every answer carries. */
export interface Answer {
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>>
  readonly status: number
}

/** An answer in the Platform API's error shape `{id, message}`, thrown by the model and caught by the HTTP layer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }

  toAnswer(): Answer {
    return {body: {id: this.id, message: this.message}, status: this.status}
  }
}

/** A fault rule, a timing or a tunnel status the control cannot take; the admin endpoints answer it with 400. */
export class InvalidControlInput extends TypeError {
  override name = 'InvalidControlInput'
}

export function invalidParams(message: string): ApiError {
  return new ApiError(422, 'invalid_params', message)
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'bad_request', message)
}

export function unknownEndpoint(): ApiError {
  return new ApiError(
    404,
    'not_found',
    'The requested API endpoint was not found. Are you using the right HTTP verb (i.e. `GET` vs. `POST`), and did you specify your intended version with the `Accept` header?',
  )
}

/** Parses a request body; an empty body is `undefined`, so the body checks can name what is missing. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    throw badRequest('The request body is not valid JSON.')
  }
}
