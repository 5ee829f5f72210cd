/** Direct calls to the real backend, to check what the page shows against what the API stores. */
export interface ApiObject {
  object_id: string;
  bbox: [number, number, number, number];
  label: string;
  score: number;
}

export async function apiJson<T>(
  baseUrl: string,
  path: string,
  token?: string,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${baseUrl}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function storedObjects(baseUrl: string, imageId: string, token?: string): Promise<ApiObject[]> {
  const { status, body } = await apiJson<{ objects: ApiObject[] }>(
    baseUrl,
    `/images/${imageId}/objects`,
    token,
  );
  if (status !== 200) throw new Error(`GET /images/${imageId}/objects answered ${status}`);
  return body.objects;
}

export async function storedImageIds(baseUrl: string, token?: string): Promise<string[]> {
  const { status, body } = await apiJson<{ images: { image_id: string }[] }>(
    baseUrl,
    '/images?limit=100',
    token,
  );
  if (status !== 200) throw new Error(`GET /images answered ${status}`);
  return body.images.map((image) => image.image_id);
}
