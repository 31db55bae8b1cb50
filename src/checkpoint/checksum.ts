/**
 * @module checkpoint/checksum
 * SHA-256 hex digests of checkpoint files, shared by the metadata codec and every storage.
 */
import { createHash } from "node:crypto";

/** Lower-case hex SHA-256 of `data` (strings are hashed as UTF-8). */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}
