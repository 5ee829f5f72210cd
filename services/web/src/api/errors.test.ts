import { describe, expect, it } from 'vitest';
import {
  ApiError,
  apiErrorFromException,
  apiErrorFromResponse,
  PRIVATE_URL_HINT,
  toApiError,
} from './errors.js';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('apiErrorFromResponse', () => {
  it('says what failed and quotes the server reason as a sentence', async () => {
    const error = await apiErrorFromResponse(
      json(400, { error: 'file is not a supported image (expected JPEG, PNG or WebP)' }),
      'Upload',
      false,
    );
    expect(error.kind).toBe('bad_input');
    expect(error.title).toBe('Upload failed: the server could not use this input.');
    expect(error.detail).toBe('File is not a supported image (expected JPEG, PNG or WebP).');
    expect(error.status).toBe(400);
  });

  it('names the existing video of a duplicate video upload (409) and quotes a 415 reason', async () => {
    const duplicate = await apiErrorFromResponse(
      json(409, { error: `this video was already uploaded as ${'d'.repeat(64)}`, video_id: 'd'.repeat(64) }),
      'Video upload',
      false,
    );
    expect(duplicate.kind).toBe('duplicate');
    expect(duplicate.videoId).toBe('d'.repeat(64));
    expect(duplicate.imageId).toBeNull();
    expect(duplicate.title).toBe('This video was uploaded before.');
    const audio = await apiErrorFromResponse(
      json(415, { error: 'the file has no video stream (only audio)' }),
      'Video upload',
      false,
    );
    expect(audio.kind).toBe('bad_input');
    expect(audio.title).toBe('Video upload failed: the server could not use this input.');
    expect(audio.detail).toBe('The file has no video stream (only audio).');
  });

  it('explains 401 differently with and without a token', async () => {
    const missing = await apiErrorFromResponse(json(401, { error: 'missing bearer token' }), 'Upload', false);
    expect(missing.kind).toBe('unauthorized');
    expect(missing.title).toContain('requires an API token');
    const wrong = await apiErrorFromResponse(json(401, { error: 'invalid token' }), 'Upload', true);
    expect(wrong.title).toContain('not accepted');
  });

  it('says a 403 is a missing permission and a 409 on a deployment is a conflict, not a duplicate image', async () => {
    const forbidden = await apiErrorFromResponse(
      json(403, { error: 'this token lacks the "admin" permission' }),
      'Loading deployments',
      true,
    );
    expect(forbidden.title).toBe(
      'Loading deployments failed: the API token does not have the permission this needs (an admin token manages deployments).',
    );
    const busy = await apiErrorFromResponse(
      json(409, { error: 'deployment blazeface cannot change now: it has no canary to promote' }),
      'Promoting blazeface',
      false,
    );
    expect(busy.title).toBe('Promoting blazeface failed: it conflicts with what is happening now.');
    expect(busy.detail).toBe('Deployment blazeface cannot change now: it has no canary to promote.');
  });

  it('reads the image id of a duplicate (409) and of an image stored as failed (503)', async () => {
    const duplicate = await apiErrorFromResponse(
      json(409, { error: 'image already exists', image_id: 'b'.repeat(64) }),
      'Upload',
      false,
    );
    expect(duplicate.kind).toBe('duplicate');
    expect(duplicate.imageId).toBe('b'.repeat(64));
    const failed = await apiErrorFromResponse(
      json(503, {
        error: 'detection failed: model server unavailable',
        image_id: 'c'.repeat(64),
        status: 'failed',
      }),
      'Upload',
      false,
    );
    expect(failed.kind).toBe('model_unavailable');
    expect(failed.title).toBe('Upload failed: the model server is unavailable.');
    expect(failed.imageId).toBe('c'.repeat(64));
  });

  it('names too-large uploads and timeouts', async () => {
    expect(
      (await apiErrorFromResponse(json(413, { error: 'file exceeds 20 MiB' }), 'Upload', false)).title,
    ).toBe('Upload failed: the file is too large.');
    expect((await apiErrorFromResponse(json(504, { error: 'timeout' }), 'Upload', false)).title).toContain(
      'did not answer in time',
    );
  });

  it('copes with a proxy HTML page or an empty body', async () => {
    const html = await apiErrorFromResponse(
      new Response('<html>Bad gateway</html>', { status: 502 }),
      'Upload',
      false,
    );
    expect(html.detail).toBeNull();
    expect(html.kind).toBe('model_unavailable');
    const empty = await apiErrorFromResponse(new Response(null, { status: 500 }), 'Delete', false);
    expect(empty.title).toBe('Delete failed: the server had an internal error (HTTP 500).');
  });
});

describe('hints', () => {
  it('says how to allow private URLs when the backend refused one (its exact words)', async () => {
    const refused = await apiErrorFromResponse(
      Response.json(
        {
          error:
            'refusing to fetch 127.0.0.1: 127.0.0.1 is a private, loopback, link-local or reserved address',
        },
        { status: 400 },
      ),
      'Upload from URL',
      false,
    );
    expect(refused.hint).toBe(PRIVATE_URL_HINT);
    expect(refused.hint).toContain('URL_FETCH_ALLOW_PRIVATE=true');
    const metadata = await apiErrorFromResponse(
      Response.json(
        { error: 'refusing to fetch 169.254.169.254: 169.254.169.254 is a cloud metadata address' },
        { status: 400 },
      ),
      'Upload from URL',
      false,
    );
    expect(metadata.hint).toBeNull();
  });
});

describe('apiErrorFromException', () => {
  it('turns fetch failures into a network error naming the backend', () => {
    const error = apiErrorFromException(new TypeError('fetch failed'), 'Upload', 'http://127.0.0.1:8000');
    expect(error.kind).toBe('network');
    expect(error.title).toBe('Upload failed: cannot reach the backend at http://127.0.0.1:8000.');
  });

  it('recognises cancellation', () => {
    expect(apiErrorFromException(new DOMException('aborted', 'AbortError'), 'Upload', '').kind).toBe(
      'aborted',
    );
  });

  it('passes ApiErrors through unchanged', () => {
    const original = new ApiError({ kind: 'not_found', status: 404, title: 'gone', detail: null });
    expect(toApiError(original, 'x')).toBe(original);
  });
});
