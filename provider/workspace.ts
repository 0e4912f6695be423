/** The workspace provider, loaded by name at run time (see sdk/shim.ts). */
export { workspace as provider } from "./scope";
