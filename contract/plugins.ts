import { z } from "zod";

/**
 * The plugin catalog (SPEC §3.3): for each connection type, the zod schema of its config and the
 * fields that are secret. Schemas are strict, so an unknown field is refused by name.
 */
const text = (max = 1024) => z.string().trim().min(1).max(max);
const secret = (max = 16_384) => z.string().min(1).max(max);

const awsRegion = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, "expected an AWS region such as eu-west-1");

const aws = z
  .strictObject({
    regions: z.array(awsRegion).min(1).max(64),
    roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, "expected an IAM role ARN").optional(),
    externalId: text(1224).optional(),
    accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/, "expected an AWS access key id").optional(),
    secretAccessKey: secret(1024).optional(),
  })
  .superRefine((c, ctx) => {
    const role = c.roleArn !== undefined;
    const keys = c.accessKeyId !== undefined || c.secretAccessKey !== undefined;
    if (role && keys) {
      ctx.addIssue({ code: "custom", path: ["roleArn"], message: "use either roleArn (+ externalId) or accessKeyId + secretAccessKey, not both" });
    } else if (!role && !keys) {
      ctx.addIssue({ code: "custom", path: ["roleArn"], message: "required: roleArn, or accessKeyId + secretAccessKey" });
    } else if (keys) {
      if (c.accessKeyId === undefined) ctx.addIssue({ code: "custom", path: ["accessKeyId"], message: "required with secretAccessKey" });
      if (c.secretAccessKey === undefined) ctx.addIssue({ code: "custom", path: ["secretAccessKey"], message: "required with accessKeyId" });
    }
    if (c.externalId !== undefined && !role) {
      ctx.addIssue({ code: "custom", path: ["externalId"], message: "only allowed with roleArn" });
    }
  });

const uuid = z.string().regex(/^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/, "expected a GUID");

const azure = z.strictObject({
  tenantId: uuid,
  clientId: uuid,
  clientSecret: secret(),
  subscriptionId: uuid,
});

const gcpProjectId = z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "expected a GCP project id");
const serviceAccountKey = secret(65_536).refine((v) => {
  try {
    const parsed: unknown = JSON.parse(v);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}, "expected a service-account key (a JSON object)");

const gcp = z.strictObject({ projectId: gcpProjectId, credentials: serviceAccountKey });

const postgres = z.strictObject({
  host: text(255),
  port: z.number().int().min(1).max(65_535),
  database: text(63),
  user: text(63),
  password: secret(1024),
  sslmode: z.enum(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]).optional(),
});

const bucket = z.string().regex(/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/, "expected a bucket name");
const s3 = z
  .strictObject({
    bucket,
    region: awsRegion,
    accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/, "expected an AWS access key id").optional(),
    secretAccessKey: secret(1024).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.accessKeyId === undefined) !== (c.secretAccessKey === undefined)) {
      const missing = c.accessKeyId === undefined ? "accessKeyId" : "secretAccessKey";
      ctx.addIssue({ code: "custom", path: [missing], message: "accessKeyId and secretAccessKey go together" });
    }
  });

const gcs = z.strictObject({ bucket, serviceAccountKey });

const httpUrl = z.url({ protocol: /^https?$/, hostname: z.regexes.hostname }).max(2048);
const urlUserPassword = z.strictObject({ url: httpUrl, username: text(255), password: secret(1024) });

export const CUSTOM_FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const customSecret = z.strictObject({ value: z.string().max(16_384), secret: z.literal(true) });
const custom = z
  .record(z.string().regex(CUSTOM_FIELD_NAME, "field names are letters, digits and _, starting with a letter or _"), z.union([z.string().max(16_384), customSecret]))
  .refine((r) => Object.keys(r).length <= 100, "at most 100 fields");

export interface PluginDefinition {
  type: string;
  title: string;
  description: string;
  schema: z.ZodType<Record<string, unknown>>;
  /** Fields whose values are encrypted and never returned. `custom` decides per field instead. */
  secretFields: readonly string[];
  /** Whether `test` can reach the remote end from the service. */
  reachable: boolean;
}

export const PLUGINS: Record<string, PluginDefinition> = {
  aws: { type: "aws", title: "Amazon Web Services account", description: "An AWS account, through an assumed role or an access key.", schema: aws, secretFields: ["secretAccessKey"], reachable: false },
  azure: { type: "azure", title: "Azure subscription", description: "An Azure subscription, through a service principal.", schema: azure, secretFields: ["clientSecret"], reachable: false },
  gcp: { type: "gcp", title: "Google Cloud project", description: "A GCP project, through a service-account key.", schema: gcp, secretFields: ["credentials"], reachable: false },
  postgres: { type: "postgres", title: "PostgreSQL database", description: "A PostgreSQL database.", schema: postgres, secretFields: ["password"], reachable: true },
  s3: { type: "s3", title: "Amazon S3 bucket", description: "An S3 bucket, with optional static keys.", schema: s3, secretFields: ["secretAccessKey"], reachable: false },
  gcs: { type: "gcs", title: "Google Cloud Storage bucket", description: "A GCS bucket.", schema: gcs, secretFields: ["serviceAccountKey"], reachable: false },
  dhis2: { type: "dhis2", title: "DHIS2 instance", description: "A DHIS2 server.", schema: urlUserPassword, secretFields: ["password"], reachable: false },
  iaso: { type: "iaso", title: "IASO instance", description: "An IASO server.", schema: urlUserPassword, secretFields: ["password"], reachable: false },
  custom: { type: "custom", title: "Custom", description: 'Any named fields: a string is a setting, { "value": "…", "secret": true } a secret.', schema: custom, secretFields: [], reachable: false },
};

export const PLUGIN_TYPES = Object.keys(PLUGINS) as [string, ...string[]];
export const pluginSchema = z.enum(PLUGIN_TYPES, { error: () => `expected one of: ${PLUGIN_TYPES.join(", ")}` });

export function pluginDefinition(type: string): PluginDefinition | undefined {
  return Object.prototype.hasOwnProperty.call(PLUGINS, type) ? PLUGINS[type] : undefined;
}

/** How a secret field is shown on every read: never the value, only whether it is set and a fingerprint. */
export const redactedSecretSchema = z.strictObject({
  secret: z.literal(true),
  set: z.boolean(),
  fingerprint: z.string().nullable(),
});
export type RedactedSecret = z.infer<typeof redactedSecretSchema>;

export function isRedactedSecret(value: unknown): value is RedactedSecret {
  return redactedSecretSchema.safeParse(value).success;
}

/** The secret field names of a config of the given plugin (for `custom`, the fields marked secret). */
export function secretFieldsOf(type: string, config: Record<string, unknown>): string[] {
  if (type !== "custom") return [...(pluginDefinition(type)?.secretFields ?? [])];
  return Object.entries(config)
    .filter(([, v]) => typeof v === "object" && v !== null && (v as { secret?: unknown }).secret === true)
    .map(([k]) => k);
}

export function pluginCatalog() {
  return PLUGIN_TYPES.map((type) => {
    const p = PLUGINS[type];
    return {
      type,
      title: p.title,
      description: p.description,
      secretFields: [...p.secretFields],
      testable: p.reachable,
      configSchema: markSecrets(z.toJSONSchema(p.schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>, p.secretFields),
    };
  });
}

/** Marks each secret property in a config JSON schema as `writeOnly` with `x-secret: true`. */
function markSecrets(schema: Record<string, unknown>, secretFields: readonly string[]): Record<string, unknown> {
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  for (const field of secretFields) {
    if (properties?.[field]) properties[field] = { ...properties[field], writeOnly: true, "x-secret": true };
  }
  return schema;
}
