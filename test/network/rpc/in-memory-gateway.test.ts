// Runs the gateway conformance suite against the in-memory transport.
import { createInMemoryJobManagerGateway, createInMemoryWorkerGateway } from "../../../src/network/rpc/index.ts";
import { gatewayConformance } from "./gateway-conformance.ts";

gatewayConformance("in-memory", async (jobManager, worker) => ({
  jobManager: createInMemoryJobManagerGateway(jobManager),
  worker: createInMemoryWorkerGateway(worker),
  close: async () => {},
}));
