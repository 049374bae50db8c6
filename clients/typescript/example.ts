// A typed use of the generated types (compiled under `tsc --strict` by `make test`): sign in, read a list
// envelope with revalidation (ETag / If-None-Match), and handle an error by its documented `code`.
import type { operations, paths } from "./farm-erp";

type LoginBody = paths["/auth/login"]["post"]["requestBody"]["content"]["application/json"];
type TokenPair = paths["/auth/login"]["post"]["responses"][200]["content"]["application/json"];
type LoginError = paths["/auth/login"]["post"]["responses"][401]["content"]["application/json"];
type ItemPage = operations["list_items_inventory_items_get"]["responses"][200]["content"]["application/json"];
type ItemQuery = NonNullable<operations["list_items_inventory_items_get"]["parameters"]["query"]>;
type ItemsForbidden = operations["list_items_inventory_items_get"]["responses"][403]["content"]["application/json"];
type Invalid = operations["list_items_inventory_items_get"]["responses"][422]["content"]["application/json"];

export async function login(base: string, body: LoginBody): Promise<TokenPair | LoginError> {
  const r = await fetch(`${base}/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await r.json()) as TokenPair | LoginError;
}

export function isLoginError(answer: TokenPair | LoginError): answer is LoginError {
  return "code" in answer;
}

// One stored page per URL: a 304 answers "still current" without a body.
const stored = new Map<string, { etag: string; page: ItemPage }>();

export async function listItems(base: string, token: string, query: ItemQuery): Promise<ItemPage> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(key, String(value));
  }
  const url = `${base}/inventory/items?${params.toString()}`;
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  const cached = stored.get(url);
  if (cached) headers["If-None-Match"] = cached.etag;
  const r = await fetch(url, { headers });
  if (r.status === 304 && cached) return cached.page;
  if (r.status === 403) {
    const error = (await r.json()) as ItemsForbidden;
    // The documented codes of this status, checked by the compiler:
    switch (error.code) {
      case "module_disabled":
      case "module_forbidden":
      case "forbidden":
      case "password_change_required":
        throw new Error(`${error.code}: ${error.detail}`);
    }
  }
  if (r.status === 422) {
    const invalid = (await r.json()) as Invalid;
    throw new Error(invalid.detail.map((e) => `${e.loc.join(".")}: ${e.msg}`).join("; "));
  }
  const page = (await r.json()) as ItemPage;
  const etag = r.headers.get("ETag");
  if (etag) stored.set(url, { etag, page });
  return page;
}

export async function firstSkus(base: string, email: string, password: string): Promise<string[]> {
  const answer = await login(base, { email, password });
  if (isLoginError(answer)) {
    const code: "invalid_credentials" = answer.code;
    throw new Error(`${code}: ${answer.detail}`);
  }
  const page = await listItems(base, answer.access_token, { page: 1, limit: 20, is_active: true });
  const total: number = page.total;
  return page.items.map((item) => `${item.sku} (${total})`);
}
