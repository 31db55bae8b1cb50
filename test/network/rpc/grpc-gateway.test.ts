// Runs the gateway conformance suite against the gRPC transport on loopback (servers on port 0).
import { connectJobManager, connectWorker, serveJobManager, serveWorker } from "../../../src/network/rpc/index.ts";
import { gatewayConformance } from "./gateway-conformance.ts";

gatewayConformance("gRPC on loopback", async (jobManagerImpl, workerImpl) => {
  const jmServer = await serveJobManager(jobManagerImpl, { host: "127.0.0.1", port: 0 });
  const workerServer = await serveWorker(workerImpl);
  const jobManager = connectJobManager(jmServer.address, { deadlineMs: 5000 });
  const worker = connectWorker(workerServer.address, { deadlineMs: 5000 });
  return {
    jobManager,
    worker,
    close: async () => {
      jobManager.close();
      worker.close();
      await Promise.all([jmServer.close(), workerServer.close()]);
    },
  };
});
