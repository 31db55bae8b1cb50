/**
 * The Pulsar placeholder: its options are validated (every bad key named), and a plan using
 * `source:pulsar` or `sink:pulsar` fails at job build with PULSAR_UNAVAILABLE (checkConnectorAvailability,
 * executeLocally via the facade, the registry's factories).
 */
import { describe, expect, test } from "bun:test";
import { PlanError } from "../../core/index.ts";
import { StreamEnvironment } from "../../index.ts";
import { checkConnectorAvailability, createSink, createSource } from "../registry.ts";
import { parsePulsarSinkOptions, parsePulsarSourceOptions, PULSAR_UNAVAILABLE_MESSAGE } from "./options.ts";

const SOURCE = { serviceUrl: "pulsar://127.0.0.1:6650", topics: ["persistent://public/default/orders"], subscription: "bicycle" };
const SINK = { serviceUrl: "pulsar://127.0.0.1:6650", topic: "counts" };

describe("Pulsar options", () => {
  test("valid options get their defaults", () => {
    expect(parsePulsarSourceOptions(SOURCE)).toMatchObject({ subscriptionType: "exclusive", startFrom: "earliest", bounded: false, format: "raw", operationTimeoutMs: 30_000 });
    expect(parsePulsarSourceOptions({ ...SOURCE, topics: undefined, topicPattern: "orders-.*", startFrom: { timestampMs: 5 } }).startFrom).toEqual({ timestampMs: 5 });
    expect(parsePulsarSinkOptions(SINK)).toMatchObject({ topic: "counts", format: "json", delivery: "at-least-once" });
  });

  test("bad options are a PlanError naming each key", () => {
    const error = (() => {
      try {
        parsePulsarSourceOptions({ serviceUrl: "http://x", topics: [], subscription: "" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(PlanError);
    expect(String(error)).toContain("serviceUrl must be pulsar://host:port");
    expect(String(error)).toContain("topics must name at least one topic");
    expect(String(error)).toContain("subscription must not be empty");
    expect(() => parsePulsarSourceOptions({ ...SOURCE, topicPattern: "x" })).toThrow(/exactly one of topics and topicPattern/);
    expect(() => parsePulsarSourceOptions({ ...SOURCE, extra: 1 })).toThrow(PlanError);
    expect(() => parsePulsarSinkOptions({ ...SINK, delivery: "twice" })).toThrow(/delivery/);
    expect(() => parsePulsarSinkOptions({ serviceUrl: SINK.serviceUrl })).toThrow(/topic/);
  });
});

describe("a plan using Pulsar fails at job build", () => {
  const pulsarJob = () => {
    const env = StreamEnvironment.create();
    env.fromPulsar<string>({ ...SOURCE, name: "Orders" }).map((s) => s.length).sinkToPulsar({ ...SINK, name: "Counts" });
    return env.getJobDefinition("pulsar-job");
  };

  test("checkConnectorAvailability names the node and says why", () => {
    const { plan } = pulsarJob();
    let error: unknown;
    try {
      checkConnectorAvailability(plan);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlanError);
    expect((error as PlanError).code).toBe("PULSAR_UNAVAILABLE");
    expect((error as PlanError).domain).toBe("user");
    expect((error as PlanError).message).toBe(`source:pulsar 'Orders': ${PULSAR_UNAVAILABLE_MESSAGE}`);
    const sinkOnly = StreamEnvironment.create();
    sinkOnly.fromElements([1]).sinkToPulsar({ ...SINK, name: "Counts" });
    expect(() => checkConnectorAvailability(sinkOnly.getJobDefinition("s").plan)).toThrow(`sink:pulsar 'Counts': ${PULSAR_UNAVAILABLE_MESSAGE}`);
    const fine = StreamEnvironment.create();
    fine.fromElements([1]).discard();
    expect(() => checkConnectorAvailability(fine.getJobDefinition("f").plan)).not.toThrow();
  });

  test("the API validates the options at the call", () => {
    const env = StreamEnvironment.create();
    expect(() => env.fromPulsar({ serviceUrl: "localhost:6650", topics: ["t"], subscription: "s" })).toThrow(/fromPulsar 'PulsarSource': invalid options: serviceUrl/);
  });

  test("executing the job rejects with the PlanError before any task starts", async () => {
    const env = StreamEnvironment.create();
    env.fromPulsar({ ...SOURCE, name: "Orders" }).discard();
    await expect(env.execute("pulsar-job")).rejects.toThrow(PULSAR_UNAVAILABLE_MESSAGE);
  });

  test("the registry's factories throw the same error", () => {
    const { plan } = pulsarJob();
    const source = plan.nodes.find((n) => n.kind === "source:pulsar")!;
    const sink = plan.nodes.find((n) => n.kind === "sink:pulsar")!;
    expect(() => createSource(source, {})).toThrow(PULSAR_UNAVAILABLE_MESSAGE);
    expect(() => createSink(sink, {})).toThrow(PULSAR_UNAVAILABLE_MESSAGE);
    // A hand-written plan with bad Pulsar options: the bad option is named first.
    expect(() => checkConnectorAvailability({ nodes: [{ ...source, config: { serviceUrl: "pulsar://h:6650", subscription: "s" } }] })).toThrow(/exactly one of topics and topicPattern/);
  });
});
