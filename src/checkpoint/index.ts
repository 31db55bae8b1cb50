/**
 * @module checkpoint
 * Checkpoints on the JobMaster side: the CheckpointCoordinator (pure decisions), the checkpoint
 * metadata format, and CheckpointStorage with its file-system implementation. Imports core and state only.
 */
export * from "./checkpoint-coordinator.ts";
export * from "./checkpoint-error.ts";
export * from "./checkpoint-metadata.ts";
export * from "./checkpoint-stats.ts";
export * from "./checkpoint-storage.ts";
export * from "./coordinator-action.ts";
export * from "./coordinator-config.ts";
export { sha256Hex } from "./checksum.ts";
export { errorCode, nodeFileSystem } from "./storage/file-system.ts";
export type { FileSystem } from "./storage/file-system.ts";
export { FsCheckpointStorage, METADATA_FILE, taskStateFileName } from "./storage/fs-checkpoint-storage.ts";
export type { FsCheckpointStorageOptions } from "./storage/fs-checkpoint-storage.ts";
