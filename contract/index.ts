export * from "./ids";
export * from "./handles";
export * from "./plugins";
export * from "./api";
export * from "./hierarchy";
export * from "./roles";
export * from "./mirror";
export * from "./integrations";
