// Public entry point of the forge-exec TypeScript client.
export { durationMs, findProtoDir, ForgeExecClient, ForgeExecError } from "./client.ts";
export type { ClientOptions } from "./client.ts";
export type * from "./types.ts";
