import type { HierarchyProblem } from "./hierarchy-types";

/**
 * The types of the reconcile rule (contract/mirror.ts) without zod, for the SDK's public
 * declarations (see hierarchy-types.ts for why).
 */
export interface ConnectionTemplate {
  plugin: string;
  /** Field values; strings may hold `{id}` and `{name}`, replaced by each leaf's. */
  config: Record<string, unknown>;
}

export interface MirrorOptions {
  /** Default: the cloud's (`aws_`, `azure_`, `gcp_`). */
  handlePrefix?: string;
  connection: ConnectionTemplate;
  /** Cloud ids whose subtrees are left out. */
  exclude?: readonly string[];
}

export interface MirrorFolder {
  cloudId: string;
  title: string;
  /** The folder node above it, or null at the top of the mirror. */
  parentCloudId: string | null;
}

export interface MirrorLeaf {
  cloudId: string;
  title: string;
  handle: string;
  parentCloudId: string | null;
  plugin: string;
  config: Record<string, unknown>;
}

export interface Mirror {
  /** Parents before children (by depth, then cloud id). */
  folders: MirrorFolder[];
  /** By cloud id. */
  leaves: MirrorLeaf[];
  /** The snapshot's problems (hierarchyProblems) and leaves whose config the template makes invalid; nothing to apply unless empty. */
  problems: HierarchyProblem[];
}
