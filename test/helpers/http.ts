/**
 * Test helper: one HTTP request to a Bicycle web server, answered as status, parsed JSON (undefined
 * when the body is not JSON), raw text and content type. Objects are sent as JSON; strings as they are.
 */
export interface HttpReply {
  readonly status: number;
  readonly json: unknown;
  readonly text: string;
  readonly type: string;
}

export async function httpCall(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpReply> {
  const init: RequestInit = { method, headers: { ...(body === undefined || typeof body !== "object" ? {} : { "content-type": "application/json" }), ...headers } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, type: res.headers.get("content-type") ?? "" };
}
