import { UnexpectedResponseError } from './json-fields.js';

/** What kind of failure an API call met; drives the wording and what the UI offers next. */
export type ApiErrorKind =
  | 'network'
  | 'aborted'
  | 'unauthorized'
  | 'not_found'
  | 'duplicate'
  | 'too_large'
  | 'bad_input'
  | 'model_unavailable'
  | 'server'
  | 'unexpected_response';

export interface ApiErrorInit {
  kind: ApiErrorKind;
  status: number;
  title: string;
  detail: string | null;
  /** The image the error is about, when the body names one (a 409 duplicate, a stored-but-failed upload). */
  imageId?: string | null;
  /** The video the error is about, when the body names one (a 409 duplicate video upload). */
  videoId?: string | null;
  /** What the user can do about it, when the page knows more than the server said. */
  hint?: string | null;
}

/** A failed API call, with a sentence a person can read (`title`) and the server's own words (`detail`). */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly kind: ApiErrorKind;
  readonly status: number;
  readonly title: string;
  readonly detail: string | null;
  readonly imageId: string | null;
  readonly videoId: string | null;
  readonly hint: string | null;

  constructor(init: ApiErrorInit) {
    super(init.detail ? `${init.title} ${init.detail}` : init.title);
    this.kind = init.kind;
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.imageId = init.imageId ?? null;
    this.videoId = init.videoId ?? null;
    this.hint = init.hint ?? null;
  }
}

/** The action that failed, e.g. "Upload", used to start the readable message. */
export type ApiAction = string;

function kindForStatus(status: number): ApiErrorKind {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 409) return 'duplicate';
  if (status === 413) return 'too_large';
  if (status === 502 || status === 503 || status === 504) return 'model_unavailable';
  if (status >= 400 && status < 500) return 'bad_input';
  return 'server';
}

function titleFor(kind: ApiErrorKind, action: ApiAction, status: number, hadToken: boolean): string {
  switch (kind) {
    case 'unauthorized':
      if (status === 403)
        return `${action} failed: the API token does not have the permission this needs (an admin token manages deployments).`;
      return hadToken
        ? `${action} failed: the API token was not accepted. Check the token and try again.`
        : `${action} failed: this server requires an API token. Enter it in the “API token” field.`;
    case 'not_found':
      return `${action} failed: not found (it may have been deleted).`;
    case 'duplicate':
      return /^Upload/.test(action)
        ? 'This image was uploaded before.'
        : `${action} failed: it conflicts with what is happening now.`;
    case 'too_large':
      return `${action} failed: the file is too large.`;
    case 'bad_input':
      return `${action} failed: the server could not use this input.`;
    case 'model_unavailable':
      return status === 504
        ? `${action} failed: the model server did not answer in time.`
        : `${action} failed: the model server is unavailable.`;
    case 'server':
      return `${action} failed: the server had an internal error (HTTP ${status}).`;
    default:
      return `${action} failed.`;
  }
}

function errorText(body: unknown): string | null {
  if (typeof body === 'object' && body !== null) {
    const error = (body as Record<string, unknown>).error ?? (body as Record<string, unknown>).message;
    if (typeof error === 'string' && error.trim() !== '') return error.trim();
    if (typeof error === 'object' && error !== null) {
      const message = (error as Record<string, unknown>).message;
      if (typeof message === 'string') return message;
    }
  }
  if (typeof body === 'string' && body.trim() !== '' && !body.trimStart().startsWith('<')) {
    return body.trim().slice(0, 300);
  }
  return null;
}

function imageIdOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const id =
    (body as Record<string, unknown>).image_id ?? (body as Record<string, unknown>).existing_image_id;
  return typeof id === 'string' ? id : null;
}

/** The backend's URL fetcher refuses private addresses unless told otherwise (address-policy.ts). */
const PRIVATE_ADDRESS_REFUSED = /is a private, loopback, link-local or reserved address/i;

export const PRIVATE_URL_HINT =
  'The backend refuses URLs on private and loopback addresses. To fetch from your own machine or network ' +
  '(local use only), start the backend with URL_FETCH_ALLOW_PRIVATE=true — or download the image and upload the file.';

function videoIdOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const id = (body as Record<string, unknown>).video_id;
  return typeof id === 'string' ? id : null;
}

function hintFor(detail: string | null): string | null {
  if (detail !== null && PRIVATE_ADDRESS_REFUSED.test(detail)) return PRIVATE_URL_HINT;
  return null;
}

/** Turns a non-2xx response into an ApiError; reads the `{"error": "..."}` body the backend always sends. */
export async function apiErrorFromResponse(
  response: Response,
  action: ApiAction,
  hadToken: boolean,
): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON (e.g. a proxy's HTML page): errorText keeps short plain text only
  }
  const kind = kindForStatus(response.status);
  const detail = errorText(body);
  const videoId = videoIdOf(body);
  return new ApiError({
    kind,
    status: response.status,
    title:
      kind === 'duplicate' && videoId !== null
        ? 'This video was uploaded before.'
        : titleFor(kind, action, response.status, hadToken),
    detail: detail === null ? null : sentence(detail),
    imageId: imageIdOf(body),
    videoId,
    hint: hintFor(detail),
  });
}

/**
 * Any thrown value as an ApiError, so every failure is shown the same readable way: an ApiError as it is, a
 * fetch rejection (server down, DNS, CORS, abort) or a response that breaks the contract wrapped in one.
 */
export function apiErrorFromException(error: unknown, action: ApiAction, baseUrl = ''): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DOMException && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    return new ApiError({ kind: 'aborted', status: 0, title: `${action} was cancelled.`, detail: null });
  }
  if (error instanceof UnexpectedResponseError) {
    return new ApiError({
      kind: 'unexpected_response',
      status: 0,
      title: `${action} failed: the backend sent a response this page does not understand.`,
      detail: sentence(error.message),
    });
  }
  return new ApiError({
    kind: 'network',
    status: 0,
    title: `${action} failed: cannot reach the backend${baseUrl ? ` at ${baseUrl}` : ''}.`,
    detail: 'Check that it is running and that your network connection works.',
  });
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** The same function under the name the components use for caught values. */
export const toApiError = apiErrorFromException;
