/** The memory backend against the keyed state backend conformance suite. */
import { keyedStateBackendSuite } from "../../../test/conformance/keyed-state-backend.ts";
import { MemoryStateBackend } from "./memory-keyed-backend.ts";

keyedStateBackendSuite("memory", () => new MemoryStateBackend());
