/**
 * @module connectors/datagen/nexmark
 * The deterministic Nexmark generator (Person / Auction / Bid events as a function of the index) and
 * the `source:nexmark` source built on it. The algorithm is specified in ../README.md.
 */
export * from "./model.ts";
export { EventRandom, fmix32 } from "./random.ts";
export { NexmarkGenerator, lastBase0AuctionId, lastBase0PersonId, nexmarkEvent, nexmarkKindOf, resolveNexmarkConfig } from "./generator.ts";
export { eventTime, NEXMARK_TABLES, NexmarkSource, parseNexmarkSourceConfig, type NexmarkSourceConfig, type NexmarkTable } from "./source.ts";
