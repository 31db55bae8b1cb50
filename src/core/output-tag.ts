/**
 * @module core/output-tag
 * OutputTag: names a side output of an operator (late data, split streams). The type parameter is the
 * type of the side output's records; the id is what plans and operators use.
 */

export class OutputTag<T> {
  /** Phantom field carrying the record type; never set. */
  declare readonly __type?: T;
  constructor(readonly id: string) {
    if (id.length === 0) throw new TypeError("OutputTag id must be a non-empty string");
  }
}
