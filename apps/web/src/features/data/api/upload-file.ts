import type { UploadQuery, UploadResponse } from '@cdp/contracts';
import { ApiError, apiErrorFrom, NETWORK_ERROR_MESSAGE } from '../../../lib/api-error.ts';
import { endSession, refreshAccessToken, session } from '../../../lib/session.ts';

export interface UploadCallbacks {
  /** Bytes of the request body sent so far. */
  onProgress: (loaded: number, total: number) => void;
  /** The whole file has reached the server, which now converts it. */
  onSent: () => void;
  signal: AbortSignal;
}

function abortError() {
  return new DOMException('The upload was cancelled.', 'AbortError');
}

/**
 * One POST with XMLHttpRequest, because fetch cannot report how many bytes of a request body have
 * been sent. Resolves with the parsed body of a 2xx answer; rejects with an ApiError otherwise.
 */
function post(url: string, file: File, token: string | null, callbacks: UploadCallbacks): Promise<UploadResponse> {
  return new Promise((resolve, reject) => {
    if (callbacks.signal.aborted) {
      reject(abortError());
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('accept', 'application/json');
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (event) => callbacks.onProgress(event.loaded, event.lengthComputable ? event.total : 0);
    xhr.upload.onload = () => callbacks.onSent();
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', NETWORK_ERROR_MESSAGE));
    xhr.onabort = () => reject(abortError());
    xhr.onload = async () => {
      const response = new Response(xhr.responseText, { status: xhr.status, statusText: xhr.statusText });
      if (!response.ok) {
        reject(await apiErrorFrom(response));
        return;
      }
      try {
        resolve((await response.json()) as UploadResponse);
      } catch {
        reject(
          new ApiError(xhr.status, 'INTERNAL', 'The server’s answer could not be read. Reload to see the versions.'),
        );
      }
    };
    callbacks.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    const body = new FormData();
    body.append('file', file, file.name);
    xhr.send(body);
  });
}

/**
 * Uploads one file (a ZIP or a single data file) as a new data version of the study. An access
 * token that expired meanwhile is refreshed and the upload sent once more, as `api()` does.
 */
export async function uploadFile(
  studyId: string,
  file: File,
  query: UploadQuery,
  callbacks: UploadCallbacks,
): Promise<UploadResponse> {
  const search = new URLSearchParams(
    Object.entries(query).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  const url = `/api/studies/${studyId}/uploads${search.size > 0 ? `?${search}` : ''}`;
  try {
    const result = await post(url, file, session.getToken(), callbacks);
    session.touch();
    return result;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    if (error.code !== 'TOKEN_EXPIRED') {
      if (session.getState().status === 'signed-in') endSession('Your session has ended. Sign in again.');
      throw error;
    }
    const token = await refreshAccessToken();
    const result = await post(url, file, token, callbacks);
    session.touch();
    return result;
  }
}
