/**
 * @module sql/expr-walk
 * Small walks over expressions the planner needs: the children of an IR expression, renaming columns,
 * the columns it reads, replacing group-key sub-expressions by the key's column (and finding a column
 * left over), and the AST questions "does it contain an aggregate?" and "where is column x?".
 */
import type { AggregateCall, Expr } from "../operators/index.ts";
import type { AstExpr, Pos } from "./ast.ts";
import { AGGREGATE_FUNCTIONS } from "./binder.ts";

export function children(e: Expr): readonly Expr[] {
  if (e.k === "call") return e.args;
  if (e.k === "cast") return [e.arg];
  if (e.k === "case") return [...e.whens.flatMap((w) => [w.when, w.then]), ...(e.otherwise === null ? [] : [e.otherwise])];
  return [];
}

export function mapChildren(e: Expr, f: (x: Expr) => Expr): Expr {
  if (e.k === "call") return { ...e, args: e.args.map(f) };
  if (e.k === "cast") return { ...e, arg: f(e.arg) };
  if (e.k === "case") return { ...e, whens: e.whens.map((w) => ({ when: f(w.when), then: f(w.then) })), otherwise: e.otherwise === null ? null : f(e.otherwise) };
  return e;
}

export function collectColumns(e: Expr, out: Set<string>): void {
  if (e.k === "col") out.add(e.name);
  for (const c of children(e)) collectColumns(c, out);
}

export function referencesAny(e: Expr, fields: ReadonlySet<string>): boolean {
  const cols = new Set<string>();
  collectColumns(e, cols);
  return [...cols].some((c) => fields.has(c));
}

export function renameColumns(e: Expr, rename: (field: string) => string): Expr {
  if (e.k === "col") return { ...e, name: rename(e.name) };
  return mapChildren(e, (x) => renameColumns(x, rename));
}

/** Replace sub-expressions equal to a group key by the key's output column (aggregate refs stay). */
export function replaceKeys(e: Expr, keys: readonly { json: string; ref: Expr }[], aggregates: readonly AggregateCall[]): Expr {
  if (e.k === "col" && aggregates.some((a) => a.name === e.name)) return e;
  const json = JSON.stringify(e);
  const hit = keys.find((k) => k.json === json);
  if (hit !== undefined) return hit.ref;
  return mapChildren(e, (x) => replaceKeys(x, keys, aggregates));
}

export function strayColumn(e: Expr, available: ReadonlySet<string>, aggregates: readonly AggregateCall[]): string | null {
  if (e.k === "col") return available.has(e.name) || aggregates.some((a) => a.name === e.name) ? null : e.name;
  for (const c of children(e)) {
    const s = strayColumn(c, available, aggregates);
    if (s !== null) return s;
  }
  return null;
}

export function containsAggregate(exprs: readonly AstExpr[]): boolean {
  const visit = (e: AstExpr): boolean => {
    switch (e.k) {
      case "call":
        return (AGGREGATE_FUNCTIONS.has(e.name) && e.over === null) || e.args.some(visit);
      case "neg":
      case "not":
      case "cast":
        return visit(e.arg);
      case "binary":
        return visit(e.left) || visit(e.right);
      case "is":
        return visit(e.arg);
      case "like":
        return visit(e.arg) || visit(e.pattern);
      case "in":
        return visit(e.arg) || e.values.some(visit);
      case "between":
        return visit(e.arg) || visit(e.low) || visit(e.high);
      case "case":
        return (e.operand !== null && visit(e.operand)) || e.whens.some((w) => visit(w.when) || visit(w.then)) || (e.otherwise !== null && visit(e.otherwise));
      default:
        return false;
    }
  };
  return exprs.some(visit);
}

export function findColumnPos(e: AstExpr, name: string): Pos | null {
  let found: Pos | null = null;
  const visit = (x: AstExpr): void => {
    if (found !== null) return;
    if (x.k === "col" && x.parts[x.parts.length - 1] === name) found = x.pos;
    else if (x.k === "call") x.args.forEach(visit);
    else if (x.k === "binary") (visit(x.left), visit(x.right));
    else if (x.k === "neg" || x.k === "not" || x.k === "cast" || x.k === "is") visit(x.arg);
    else if (x.k === "case") {
      if (x.operand !== null) visit(x.operand);
      x.whens.forEach((w) => (visit(w.when), visit(w.then)));
      if (x.otherwise !== null) visit(x.otherwise);
    } else if (x.k === "like") (visit(x.arg), visit(x.pattern));
    else if (x.k === "in") (visit(x.arg), x.values.forEach(visit));
    else if (x.k === "between") (visit(x.arg), visit(x.low), visit(x.high));
  };
  visit(e);
  return found;
}
