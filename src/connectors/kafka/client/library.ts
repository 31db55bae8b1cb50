/**
 * @module connectors/kafka/client/library
 * The one place that loads @platformatic/kafka at run time, on the first use of a Kafka client.
 *
 * Why lazily: importing the library compiles its Ajv option schemas at import time, ~430 ms measured
 * (Bun 1.4, 2 cores). Imported statically it would be paid by every process that loads the connector
 * registry, i.e. every `bicycle` command (even `--version`) and every slot thread (Bun Worker) of a
 * MiniCluster, whether or not the job reads or writes Kafka. So the rest of this folder imports the
 * library with `import type` only, and the facade's clients call `kafkaLibrary()` before they build a
 * library client; code that runs once a client exists reads the loaded module with `loadedKafkaLibrary()`.
 */
import { InternalError } from "../../../core/index.ts";

/** The library's module namespace (types only: no run-time import here). */
export type KafkaLibrary = typeof import("@platformatic/kafka");

let loaded: KafkaLibrary | null = null;
let loading: Promise<KafkaLibrary> | null = null;

/** Load @platformatic/kafka once (cached); later calls resolve with the same module. */
export function kafkaLibrary(): Promise<KafkaLibrary> {
  if (loaded !== null) return Promise.resolve(loaded);
  loading ??= import("@platformatic/kafka").then(
    (library) => (loaded = library),
    (error: unknown) => {
      loading = null; // let a later call retry
      throw error;
    },
  );
  return loading;
}

/** The loaded library, for code that runs after a client exists; an InternalError before `kafkaLibrary()` resolved. */
export function loadedKafkaLibrary(): KafkaLibrary {
  if (loaded === null) throw new InternalError("@platformatic/kafka used before kafkaLibrary() loaded it");
  return loaded;
}
