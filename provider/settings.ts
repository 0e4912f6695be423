/**
 * Where the provider finds the service and its token: stack config (`switchyard:url`,
 * `switchyard:token`, the latter set as a secret) or the environment (`SWITCHYARD_URL`,
 * `SWITCHYARD_TOKEN`). Read when an operation runs, never captured in state.
 */
export interface Settings {
  url: string;
  token: string;
}

export interface ConfigSource {
  get(key: string): string | undefined;
}

let configured: Partial<Settings> = {};

/** Called from the dynamic provider's `configure` with the stack's config. */
export function configureFrom(config: ConfigSource): void {
  configured = {
    url: config.get("switchyard:url") || undefined,
    token: config.get("switchyard:token") || undefined,
  };
}

export function resolveSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const url = configured.url ?? env.SWITCHYARD_URL;
  const token = configured.token ?? env.SWITCHYARD_TOKEN;
  if (!url) {
    throw new Error("Switchyard's URL is not set: run `pulumi config set switchyard:url http://…` or set SWITCHYARD_URL");
  }
  if (!/^https?:\/\/[^\s]+$/.test(url)) throw new Error(`switchyard:url must be an http(s) URL, got "${url}"`);
  if (!token) {
    throw new Error("Switchyard's token is not set: run `pulumi config set --secret switchyard:token <token>` or set SWITCHYARD_TOKEN");
  }
  return { url: url.replace(/\/+$/, ""), token };
}
