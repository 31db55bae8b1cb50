/**
 * Types for the part of @nxtedition/rocksdb (which ships none) that the RocksDB backend uses: the
 * synchronous read, scan and batch methods of RocksLevel (see the package's index.js).
 */
declare module "@nxtedition/rocksdb" {
  export interface RocksChainedBatch {
    _put(key: Uint8Array, value: Uint8Array, options?: object): void;
    _del(key: Uint8Array, options?: object): void;
    /** Apply the batch atomically, synchronously. */
    _writeSync(options?: { readonly sync?: boolean }): void;
    /** Empty the batch so it can be reused. */
    _clear(): void;
    close(): Promise<void>;
  }

  export interface RocksQueryOptions {
    readonly gt?: Uint8Array;
    readonly gte?: Uint8Array;
    readonly lt?: Uint8Array;
    readonly lte?: Uint8Array;
    readonly limit?: number;
    readonly keys?: boolean;
    readonly values?: boolean;
    readonly keyEncoding?: "buffer" | "utf8";
    readonly valueEncoding?: "buffer" | "utf8";
    readonly fillCache?: boolean;
  }

  export class RocksLevel {
    constructor(location: string, options?: { readonly keyEncoding?: "buffer" | "utf8"; readonly valueEncoding?: "buffer" | "utf8" });
    readonly status: "opening" | "open" | "closing" | "closed";
    readonly location: string;
    open(options?: Readonly<Record<string, unknown>>): Promise<void>;
    close(): Promise<void>;
    batch(): RocksChainedBatch;
    /** Values of `keys` in order; undefined where absent. */
    _getManySync(keys: readonly Uint8Array[], options?: object): Array<Buffer | undefined | null>;
    /** Rows of a range as a flat [key, value, key, value, ...] array. */
    querySync(options: RocksQueryOptions): { rows: Array<Buffer | undefined>; finished: boolean };
    getProperty(property: string): string;
  }
}
