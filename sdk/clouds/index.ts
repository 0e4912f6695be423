/**
 * The cloud readers (SPEC §6.1, §9): each turns a cloud's estate, read live with its official SDK
 * or from the JSON its CLI prints, into one hierarchy snapshot.
 */
import type { Cloud, HierarchySnapshot } from "../../contract/hierarchy-types";
import { hierarchySnapshotSchema } from "../../contract/hierarchy";
import * as aws from "./aws";
import * as azure from "./azure";
import * as gcp from "./gcp";
import { isObject } from "./common";

export { aws, azure, gcp };
export { CloudAccessError } from "./common";

/**
 * A snapshot from a file's parsed JSON: a snapshot as it is, or the cloud's CLI export (told
 * apart by shape: a snapshot has `cloud` and `nodes`).
 */
export function snapshotFromJson(cloud: Cloud, json: unknown): HierarchySnapshot {
  if (isObject(json) && "nodes" in json && "cloud" in json) {
    const parsed = hierarchySnapshotSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`the snapshot is not valid: ${issue.path.join(".")}: ${issue.message}`);
    }
    if (parsed.data.cloud !== cloud) throw new Error(`the snapshot is of cloud "${parsed.data.cloud}", not "${cloud}"`);
    return parsed.data;
  }
  return { aws, azure, gcp }[cloud].fromCliExport(json);
}
