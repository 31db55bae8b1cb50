/**
 * @module state/byte-writer
 * A reusable, growable scratch buffer for encoding row keys and values without allocating per call.
 * `view()` returns a view that stays valid only until the next write: callers hand it to a store
 * that copies it (RocksDB WriteBatch, SQLite bind) or `copy()` it.
 */
export class ByteWriter {
  private buf: Buffer;
  /** Bytes written since the last reset. */
  length = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Bytes allocated. */
  get capacity(): number {
    return this.buf.length;
  }

  reset(): this {
    this.length = 0;
    return this;
  }

  /** Make room for `n` more bytes. */
  private ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.length);
    this.length += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.length);
    this.length += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }

  /** UTF-8 bytes of `s`, unprefixed (the caller knows where they end). */
  utf8(s: string): void {
    this.ensure(s.length * 3);
    this.length += this.buf.write(s, this.length, "utf8");
  }

  /** UTF-8 bytes of `s` behind a u32 byte length, so the encoding delimits itself. */
  utf8Prefixed(s: string): void {
    this.ensure(s.length * 3 + 4);
    const at = this.length;
    const n = this.buf.write(s, at + 4, "utf8");
    this.buf.writeUInt32BE(n, at);
    this.length = at + 4 + n;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** The bytes written so far; valid until the next write or reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** An owned copy of the bytes written so far. */
  copy(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}
