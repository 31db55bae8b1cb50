/**
 * @module network/write-buffer
 * A growable little-endian byte buffer: frames are encoded straight into it and the socket drains it
 * from the front, so many frames go out in one write without per-frame allocations.
 */

const INITIAL_BYTES = 64 * 1024;

export class WriteBuffer {
  bytes: Uint8Array;
  view: DataView;
  /** Readable bytes are [start, end). */
  start = 0;
  end = 0;

  constructor(initialBytes: number = INITIAL_BYTES) {
    this.bytes = new Uint8Array(initialBytes);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Bytes written and not yet consumed. */
  get length(): number {
    return this.end - this.start;
  }

  /** Make room for `n` more bytes at `end` (compacts or grows; offsets before `start` become invalid). */
  ensure(n: number): void {
    if (this.end + n <= this.bytes.length) return;
    const used = this.end - this.start;
    if (used + n <= this.bytes.length && this.start > 0) {
      this.bytes.copyWithin(0, this.start, this.end);
    } else {
      let size = this.bytes.length * 2;
      while (size < used + n) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bytes.subarray(this.start, this.end));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    this.start = 0;
    this.end = used;
  }

  u8(value: number): void {
    this.ensure(1);
    this.bytes[this.end++] = value;
  }

  u32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.end, value, true);
    this.end += 4;
  }

  f64(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.end, value, true);
    this.end += 8;
  }

  /** Append `values` as a block of little-endian f64. */
  f64Block(values: readonly number[]): void {
    const n = values.length;
    this.ensure(n * 8);
    const view = this.view;
    let at = this.end;
    for (let i = 0; i < n; i++, at += 8) view.setFloat64(at, values[i]!, true);
    this.end = at;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.bytes.set(bytes, this.end);
    this.end += bytes.length;
  }

  /** The readable bytes (a view: valid until the next write). */
  readable(): Uint8Array {
    return this.bytes.subarray(this.start, this.end);
  }

  /** Drop `n` bytes from the front (they were written to the socket). */
  consume(n: number): void {
    this.start += n;
    if (this.start >= this.end) this.start = this.end = 0;
  }

  /**
   * A position that survives compaction and growth (relative to `start`): take one before encoding a
   * frame, then `offsetOf(mark)` to back-patch it or `truncate(mark)` to drop a failed encode.
   */
  mark(): number {
    return this.end - this.start;
  }

  offsetOf(mark: number): number {
    return this.start + mark;
  }

  truncate(mark: number): void {
    this.end = this.start + mark;
  }

  /** A copy of the readable bytes. */
  toBytes(): Uint8Array {
    return this.bytes.slice(this.start, this.end);
  }
}
