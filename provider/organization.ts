/** The organization provider, loaded by name at run time (see sdk/shim.ts). */
export { organization as provider } from "./scope";
