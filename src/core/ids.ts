/**
 * @module core/ids
 * Branded identifier types, so a vertex id cannot be passed where an operator id is expected.
 */

declare const brand: unique symbol;
/** A nominal type: `T` tagged with a brand only the type checker sees. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type JobId = Brand<string, "JobId">;
export type OperatorId = Brand<string, "OperatorId">;
export type VertexId = Brand<string, "VertexId">;
export type CheckpointId = Brand<number, "CheckpointId">;

export const asOperatorId = (s: string): OperatorId => s as OperatorId;
export const asVertexId = (s: string): VertexId => s as VertexId;
export const asJobId = (s: string): JobId => s as JobId;

/** A fresh random job id (32 hex characters, like Flink's JobID). */
export function newJobId(): JobId {
  return crypto.randomUUID().replaceAll("-", "") as JobId;
}
