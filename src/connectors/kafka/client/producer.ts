/**
 * @module connectors/kafka/client/producer
 * KafkaProducer: the non-transactional producer of the at-least-once and `none` sink modes. `send`
 * queues records, `flush` waits until the broker acknowledged every queued record (the at-least-once
 * sink flushes on each checkpoint barrier).
 */
import type { Producer } from "@platformatic/kafka";
import { KafkaConnectorError, withDeadline } from "./errors.ts";
import { kafkaLibrary } from "./library.ts";
import { describeBootstrap, resolveConnection, toLibraryOptions, type KafkaConnectionInput, type KafkaConnectionOptions } from "./options.ts";
import { splitForSend, toLibraryMessage } from "./records.ts";
import type { KafkaOutputRecord } from "./types.ts";

export interface ProducerOptions {
  /** Idempotent producer (acks=all, no duplicates from the client's own retries). Default true. */
  readonly idempotent?: boolean;
  /**
   * At most this many sends in flight; `send` waits for room beyond it (back-pressure). Default 1 for
   * the idempotent producer (its sequence numbers must reach each partition in order), 8 otherwise.
   */
  readonly maxInFlightSends?: number;
}

/**
 * @example
 * const producer = KafkaProducer.create({ bootstrapServers: "127.0.0.1:9092" });
 * void producer.send([{ topic: "out", value: "hello" }]);
 * await producer.flush(); // every record sent so far is acknowledged
 * await producer.close();
 */
export class KafkaProducer {
  private readonly options: KafkaConnectionOptions;
  private readonly bootstrap: string;
  private readonly idempotent: boolean;
  /** The library client, built (and @platformatic/kafka loaded, see library.ts) by the first send. */
  private producer: Promise<Producer> | null = null;
  private readonly maxInFlight: number;
  /** Sends on the wire (at most maxInFlight). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Every send not yet settled, including those still waiting for an in-flight slot: what flush waits for. */
  private readonly unsettled = new Set<Promise<void>>();
  private firstError: unknown = null;
  private closed = false;

  private constructor(options: KafkaConnectionOptions, producerOptions: ProducerOptions) {
    this.options = options;
    this.bootstrap = describeBootstrap(options);
    const idempotent = producerOptions.idempotent ?? true;
    this.idempotent = idempotent;
    this.maxInFlight = producerOptions.maxInFlightSends ?? (idempotent ? 1 : 8);
  }

  private libraryProducer(): Promise<Producer> {
    this.producer ??= kafkaLibrary().then(
      ({ Producer, ProduceAcks }) => {
        const idempotent = this.idempotent;
        return new Producer({ ...toLibraryOptions(this.options, "producer"), idempotent, ...(idempotent ? {} : { acks: ProduceAcks.ALL }) });
      },
      (error: unknown) => {
        this.producer = null;
        throw error;
      },
    );
    return this.producer;
  }

  static create(connection: KafkaConnectionOptions | KafkaConnectionInput, options: ProducerOptions = {}): KafkaProducer {
    return new KafkaProducer(resolveConnection(connection), options);
  }

  /**
   * Send records; resolves when the broker acknowledged them. Waits first while `maxInFlightSends`
   * sends are outstanding. A failure is also remembered and rethrown by the next `flush`.
   */
  async send(records: readonly KafkaOutputRecord[]): Promise<void> {
    if (this.closed) throw new KafkaConnectorError(`Kafka at ${this.bootstrap}: send on a closed producer`, { code: "KAFKA_CLOSED", domain: "internal" });
    if (records.length === 0) return;
    const chunks = splitForSend(records);
    // One request per chunk (the broker refuses batches over message.max.bytes), queued in order.
    if (chunks.length > 1) return Promise.all(chunks.map((chunk) => this.send(chunk))).then(() => undefined);
    const done = this.dispatch(records);
    const tracked: Promise<void> = done
      .catch((error: unknown) => {
        this.firstError ??= error;
      })
      .finally(() => this.unsettled.delete(tracked));
    this.unsettled.add(tracked);
    return done;
  }

  /** Wait for an in-flight slot (in call order), then send. */
  private async dispatch(records: readonly KafkaOutputRecord[]): Promise<void> {
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    const messages = records.map(toLibraryMessage);
    const producer = this.libraryProducer();
    const sent = producer
      .then((client) => withDeadline({ bootstrap: this.bootstrap, operation: `send of ${records.length} record(s)` }, this.options.operationTimeoutMs, () => client.send({ messages })))
      .then(() => undefined);
    const slot: Promise<void> = sent.catch(() => undefined).finally(() => this.inFlight.delete(slot));
    this.inFlight.add(slot);
    return sent;
  }

  /** Wait for every send so far, also those still queued; throws the first failure since the previous flush. */
  async flush(): Promise<void> {
    while (this.unsettled.size > 0) await Promise.all(this.unsettled);
    const error = this.firstError;
    this.firstError = null;
    if (error !== null) throw error;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.unsettled.size > 0) await Promise.all(this.unsettled);
    const producer = await this.producer?.catch(() => null);
    await producer?.close(true).catch(() => undefined);
  }
}
