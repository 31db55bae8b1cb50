/**
 * @module connectors/common/timestamp-field
 * A plan-only job (SQL) names a source's time attribute in its config, `timestampField: "ts"`, instead
 * of shipping a timestamp function: this turns it into one (epoch milliseconds read from that field of
 * each record). The source task uses it for sources it stamps itself; the Kafka source, which makes its
 * own per-partition watermarks, takes it as its `timestamps` function.
 */
import { PlanError } from "../../core/index.ts";
import type { PlanNode } from "../../plan/index.ts";

/** The node's timestamp reader, or null when its config names no `timestampField`. */
export function timestampFieldReader(node: PlanNode): ((value: unknown) => number) | null {
  const field = node.config.timestampField;
  if (field === undefined || field === null) return null;
  if (typeof field !== "string" || field === "") {
    throw new PlanError(`${node.kind} '${node.name}': option 'timestampField' must be a field name, got ${JSON.stringify(field)}`);
  }
  return (value) => {
    const t = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[field] : undefined;
    if (typeof t !== "number") throw new TypeError(`field '${field}' (the event time) is ${JSON.stringify(t) ?? "missing"}; expected epoch milliseconds`);
    return t;
  };
}
