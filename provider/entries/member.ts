/** The member provider as a module of its own: what each resource's `__provider` requires (see ../lazy.ts). */
import { lazyProvider } from "../lazy";

export = lazyProvider("member");
