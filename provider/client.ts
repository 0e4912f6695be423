import axios, { AxiosError, type AxiosInstance } from "axios";
import axiosRetry, { exponentialDelay, isNetworkError } from "axios-retry";
import { randomUUID } from "node:crypto";
import { resolveSettings, type Settings } from "./settings";

/** An answer of the service that is not a success, with its envelope. */
export class SwitchyardApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  retries?: number;
  /** Base of the exponential backoff, in ms. */
  retryDelayMs?: number;
  timeoutMs?: number;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * The HTTP client of the dynamic providers. Transient failures (connection refused or reset,
 * timeouts, 429, 5xx) are retried with exponential backoff, honouring `Retry-After`. Creates
 * carry one Idempotency-Key across all their retries, so a retried create never makes two.
 */
export class SwitchyardClient {
  private readonly http: AxiosInstance;

  constructor(
    readonly settings: Settings,
    opts: ClientOptions = {},
  ) {
    this.http = axios.create({
      baseURL: settings.url,
      timeout: opts.timeoutMs ?? 30_000,
      headers: { authorization: `Bearer ${settings.token}`, "user-agent": "switchyard-pulumi" },
    });
    const base = opts.retryDelayMs ?? 250;
    axiosRetry(this.http, {
      retries: opts.retries ?? 5,
      // Every method is retried: creates carry an Idempotency-Key, updates an If-Match, and a
      // delete that already happened answers 404, which the providers treat as done.
      retryCondition: (err) => isNetworkError(err) || err.code === "ECONNABORTED" || RETRYABLE_STATUS.has(err.response?.status ?? 0),
      retryDelay: (n, err) => retryAfterMs(err) ?? exponentialDelay(n, err, base),
      // The timeout is per attempt: a long Retry-After must not use up the budget of the retry.
      shouldResetTimeout: true,
    });
  }

  static fromEnvironment(opts?: ClientOptions): SwitchyardClient {
    return new SwitchyardClient(resolveSettings(), opts);
  }

  async request<T>(method: string, path: string, opts: { body?: unknown; query?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<{ status: number; body: T; etag?: string }> {
    let res;
    try {
      res = await this.http.request({ method, url: path, data: opts.body, params: opts.query, headers: opts.headers });
    } catch (err) {
      const e = err as AxiosError;
      if (!e.response) {
        throw new Error(`cannot reach Switchyard at ${this.settings.url} (${e.code ?? e.message}); check switchyard:url / SWITCHYARD_URL and that the service is running`);
      }
      res = e.response;
    }
    if (res.status >= 400) {
      const env = (res.data as { error?: { code?: string; message?: string; details?: unknown; requestId?: string } })?.error;
      throw new SwitchyardApiError(res.status, env?.code ?? "error", describe(method, path, res.status, env?.message), env?.details, env?.requestId);
    }
    return { status: res.status, body: res.data as T, etag: res.headers.etag as string | undefined };
  }

  get<T>(path: string) {
    return this.request<T>("GET", path);
  }

  /** A create, with one Idempotency-Key for all its retries. */
  create<T>(path: string, body: unknown) {
    return this.request<T>("POST", path, { body, headers: { "idempotency-key": randomUUID() } });
  }

  patch<T>(path: string, body: unknown, version?: number) {
    return this.request<T>("PATCH", path, { body, headers: version !== undefined ? { "if-match": `"${version}"` } : {} });
  }

  /** A PUT; `version` 0 means "only if it does not exist yet". */
  put<T>(path: string, body: unknown, version?: number) {
    return this.request<T>("PUT", path, { body, headers: version !== undefined ? { "if-match": `"${version}"` } : {} });
  }

  delete<T>(path: string, query?: Record<string, string>) {
    return this.request<T>("DELETE", path, { query });
  }
}

function describe(method: string, path: string, status: number, message?: string): string {
  const what = `${method} ${path} answered ${status}: ${message ?? "no message"}`;
  if (status === 412) return `${what}. Someone changed this object outside Pulumi: run \`pulumi refresh\` to take in their change, then \`pulumi up\` again.`;
  if (status === 401) return `${what}. Check switchyard:token / SWITCHYARD_TOKEN.`;
  if (status === 404) return `${what}. The object does not exist or this token cannot see it.`;
  return what;
}

function retryAfterHeader(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(seconds * 1000, 60_000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(date - Date.now(), 0), 60_000);
}

function retryAfterMs(err: AxiosError): number | undefined {
  return retryAfterHeader(err.response?.headers?.["retry-after"]);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof SwitchyardApiError && err.status === 404;
}
