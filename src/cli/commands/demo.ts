/**
 * @module cli/commands/demo
 * `bicycle demo`: runs the seed's demo pipeline on the embedded runtime.
 */
import type { Command } from "commander";
import { log } from "../../core/index.ts";
import { runDemo } from "./demo-job.ts";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("run a small event-time pipeline on built-in events: filter, keyBy, 5 s tumbling sum")
    .action(async () => {
      log.info("Starting Bicycle streaming demo");
      await runDemo();
      log.info("Demo complete");
    });
}
