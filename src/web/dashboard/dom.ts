/**
 * @module web/dashboard/dom
 * The dashboard's only way to build DOM: `h(tag, attrs, ...children)` sets text through text nodes and
 * attributes through setAttribute, never innerHTML, so a job name or an error message from the server
 * is always shown as text. Plus `replace` for swapping a region's contents.
 */

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

/** An element with attributes (`on*` are listeners, `false`/undefined are left out) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element (the DAG drawing). */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.slice(2).toLowerCase(), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(el: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "number" ? String(child) : child);
  }
}

/** Replaces everything inside `parent` with `children`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A table with a header row; `rows` are cells, each a Child. An empty body shows `empty` across. */
export function table(headers: readonly string[], rows: readonly (readonly Child[])[], empty: string, attrs: Attrs = {}): HTMLTableElement {
  const body = rows.length === 0 ? [h("tr", {}, h("td", { colspan: headers.length, class: "empty" }, empty))] : rows.map((cells) => h("tr", {}, ...cells.map((c) => h("td", {}, c))));
  return h("table", attrs, h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", {}, t)))), h("tbody", {}, ...body));
}
