/**
 * A valid config for every plugin, with recognisable secret values, for tests that create
 * connections of every type and then look for the secrets where they must not be.
 */
export const GUID = "0f8fad5b-d9cb-469f-a165-70867728950e";

export function sampleConfigs(tag: string): Record<string, { config: Record<string, unknown>; secrets: string[] }> {
  const s = (field: string) => `S3CR3T-${tag}-${field}-value`;
  return {
    aws: { config: { regions: ["eu-west-1"], accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: s("aws") }, secrets: [s("aws")] },
    azure: { config: { tenantId: GUID, clientId: GUID, clientSecret: s("azure"), subscriptionId: GUID }, secrets: [s("azure")] },
    gcp: { config: { projectId: "my-project-123", credentials: JSON.stringify({ type: "service_account", private_key: s("gcp") }) }, secrets: [s("gcp")] },
    postgres: { config: { host: "db.internal", port: 5432, database: "app", user: "reader", password: s("postgres"), sslmode: "disable" }, secrets: [s("postgres")] },
    s3: { config: { bucket: "my-bucket", region: "eu-west-1", accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: s("s3") }, secrets: [s("s3")] },
    gcs: { config: { bucket: "my-bucket", serviceAccountKey: JSON.stringify({ private_key: s("gcs") }) }, secrets: [s("gcs")] },
    dhis2: { config: { url: "https://play.dhis2.org/demo", username: "admin", password: s("dhis2") }, secrets: [s("dhis2")] },
    iaso: { config: { url: "https://iaso.example.org", username: "admin", password: s("iaso") }, secrets: [s("iaso")] },
    custom: { config: { endpoint: "https://api.example.org", apiKey: { value: s("custom"), secret: true } }, secrets: [s("custom")] },
  };
}

/** The secret field names of each sample config. */
export const SAMPLE_SECRET_FIELDS: Record<string, string[]> = {
  aws: ["secretAccessKey"],
  azure: ["clientSecret"],
  gcp: ["credentials"],
  postgres: ["password"],
  s3: ["secretAccessKey"],
  gcs: ["serviceAccountKey"],
  dhis2: ["password"],
  iaso: ["password"],
  custom: ["apiKey"],
};
