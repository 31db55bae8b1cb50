/**
 * @module operators/process/keyed-runtime-context
 * The KeyedRuntimeContext handed to user functions of keyed operators: state handles bound to the
 * subtask's keyed state store.
 */
import type { OperatorContext } from "../../core/index.ts";
import type { KeyedRuntimeContext } from "./functions.ts";

export function createKeyedRuntimeContext(ctx: OperatorContext): KeyedRuntimeContext {
  const store = ctx.keyedState();
  return {
    operatorName: ctx.location.operatorName,
    subtaskIndex: ctx.location.subtaskIndex,
    parallelism: ctx.location.parallelism,
    getState: (d) => store.getValueState(d),
    getListState: (d) => store.getListState(d),
    getMapState: (d) => store.getMapState(d),
    getReducingState: (d) => store.getReducingState(d),
  };
}
