/**
 * @module network/frame-router
 * FrameRouter: the worker main thread's switch. It forwards whole data-plane frames by channel id
 * between links (one per slot thread, one per peer worker) without decoding payloads.
 *
 * Design (routing rules)
 *
 *   slot:0 (producer of #7) ──DATA/WM/BARRIER/END #7──▶ router ──▶ worker:w-2 (consumer of #7)
 *   slot:0                  ◀────────── CREDIT #7 ───── router ◀── worker:w-2
 *
 * - Endpoints are strings ("slot:0", "worker:w-2"). A route names the producer and consumer endpoint of
 *   one channel id. Channel ids are unique within a worker's data plane (the job master assigns them).
 * - CREDIT frames go to route.producer and must come from route.consumer; every other kind goes to
 *   route.consumer and must come from route.producer. A frame from any other endpoint is a protocol
 *   violation: it is dropped with a warning, the router carries on.
 * - A frame for a channel with no route yet is held (copied) per channel until setRoute. A frame for an
 *   endpoint with no link yet is held per endpoint until addLink. HELLO (a handshake) is never routed.
 * - Retired channels (removeRoutes, or failed by removeLink / overflow) are remembered (the newest
 *   maxRetiredChannels ids) and their frames are dropped silently (debug log): late frames of a finished
 *   attempt are normal. setRoute on a retired id revives it.
 * - removeLink(endpoint) fails and retires every channel routed to or from that endpoint, plus channels
 *   with frames held from it, reporting them once through onChannelsFailed. Their held frames are dropped:
 *   a channel that lost frames must never resume.
 * - Held bytes are bounded by maxPendingBytes. Crossing it fails and retires every channel with held
 *   frames (code ROUTING_OVERFLOW). With credit flow control, little is ever held: a producer gets no
 *   credit before its consumer's CREDIT frame has been routed, so only control frames can pile up.
 *
 * Ordering: per channel and direction, frames leave in the order they arrived. Each channel direction has
 * exactly one source link (whose byte stream is FIFO) and one target link; held frames are flushed,
 * synchronously and in order, when setRoute / addLink runs and before any newer frame can be routed, and
 * while an endpoint's frames are held, every newer frame for it is held behind them.
 */
import { log } from "../core/index.ts";
import { NetworkError } from "./errors.ts";
import { type Frame, FrameKind, isFrameKind } from "./frame-codec.ts";

/** Default cap on frames held for a missing route or link. */
export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;
/** Default number of retired channel ids remembered. */
export const DEFAULT_MAX_RETIRED_CHANNELS = 1_000_000;

/** Where a link sends frames (a FrameLink, or a fake in tests). It must not throw for a whole frame. */
export interface RouterLink {
  send(bytes: Uint8Array): void;
}

/** The two ends of one channel. */
export interface FrameRoute {
  readonly producer: string;
  readonly consumer: string;
}

export interface FrameRouterOptions {
  /** Names the router in logs, e.g. "worker w-1". */
  readonly name?: string;
  readonly maxPendingBytes?: number;
  readonly maxRetiredChannels?: number;
  /** Channels that broke (link gone, overflow): fail their producers and consumers. */
  onChannelsFailed(channelIds: number[], error: NetworkError): void;
}

export interface FrameRouterStats {
  readonly framesRouted: number;
  readonly bytesRouted: number;
  readonly framesDropped: number;
  readonly pendingFrames: number;
  readonly pendingBytes: number;
}

/** A frame held for a route: its source is checked once the route is known. */
interface HeldFrame {
  readonly from: string;
  readonly bytes: Uint8Array;
}

/** A frame held for a link. */
interface QueuedFrame {
  readonly channelId: number;
  readonly bytes: Uint8Array;
}

const KIND_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(FrameKind).map(([name, kind]) => [kind, name]));

export class FrameRouter {
  readonly name: string;
  private readonly maxPendingBytes: number;
  private readonly maxRetired: number;
  private readonly links = new Map<string, RouterLink>();
  private readonly routes = new Map<number, FrameRoute>();
  /** Insertion-ordered, so the oldest id is evicted first. */
  private readonly retired = new Set<number>();
  private readonly heldByChannel = new Map<number, HeldFrame[]>();
  private readonly heldByEndpoint = new Map<string, QueuedFrame[]>();
  private heldBytes = 0;
  private heldFrames = 0;
  private framesRouted = 0;
  private bytesRouted = 0;
  private framesDropped = 0;

  constructor(private readonly options: FrameRouterOptions) {
    this.name = options.name ?? "frame router";
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.maxRetired = options.maxRetiredChannels ?? DEFAULT_MAX_RETIRED_CHANNELS;
  }

  get stats(): FrameRouterStats {
    return {
      framesRouted: this.framesRouted,
      bytesRouted: this.bytesRouted,
      framesDropped: this.framesDropped,
      pendingFrames: this.heldFrames,
      pendingBytes: this.heldBytes,
    };
  }

  /** Register (or replace) the link of `endpoint` and send it the frames held for it, in order. */
  addLink(endpoint: string, link: RouterLink): void {
    this.links.set(endpoint, link);
    const queued = this.heldByEndpoint.get(endpoint);
    if (queued === undefined) return;
    this.heldByEndpoint.delete(endpoint);
    for (const { bytes } of queued) {
      this.release(bytes);
      this.deliver(link, bytes);
    }
  }

  /** Forget the link of `endpoint`; fail and retire every channel that runs through it. */
  removeLink(endpoint: string, error: NetworkError): void {
    this.links.delete(endpoint);
    const affected = new Set<number>();
    for (const [channelId, route] of this.routes) {
      if (route.producer === endpoint || route.consumer === endpoint) affected.add(channelId);
    }
    for (const [channelId, held] of this.heldByChannel) {
      if (held.some((f) => f.from === endpoint)) affected.add(channelId);
    }
    this.retire(affected);
    for (const { bytes } of this.heldByEndpoint.get(endpoint) ?? []) this.release(bytes);
    this.heldByEndpoint.delete(endpoint);
    if (affected.size > 0) this.options.onChannelsFailed([...affected].sort((a, b) => a - b), error);
  }

  /** Route channel `channelId`, then forward the frames held for it, in order. */
  setRoute(channelId: number, route: FrameRoute): void {
    this.retired.delete(channelId);
    this.routes.set(channelId, { producer: route.producer, consumer: route.consumer });
    const held = this.heldByChannel.get(channelId);
    if (held === undefined) return;
    this.heldByChannel.delete(channelId);
    for (const { from, bytes } of held) {
      this.release(bytes);
      this.forward(from, channelId, bytes[8]!, bytes, true);
    }
  }

  /** Drop these channels' routes and held frames, and remember them as retired. */
  removeRoutes(channelIds: Iterable<number>): void {
    this.retire(new Set(channelIds));
  }

  /** Forward one frame that arrived on the link of `from`. `bytes` (the whole frame) is copied if held. Never throws. */
  route(from: string, frame: Frame, bytes: Uint8Array): void {
    const { channelId, kind } = frame;
    if (!isFrameKind(kind) || kind === FrameKind.HELLO) {
      log.warn(`${this.name}: dropped a frame of kind ${kind} on channel ${channelId} from ${from}: not a routable kind`);
      this.framesDropped++;
      return;
    }
    if (this.retired.has(channelId)) {
      if (log.isEnabled("debug")) log.debug(`${this.name}: dropped a ${KIND_NAMES[kind]} frame from ${from} for retired channel ${channelId}`);
      this.framesDropped++;
      return;
    }
    if (this.routes.has(channelId)) {
      this.forward(from, channelId, kind, bytes, false);
      return;
    }
    let held = this.heldByChannel.get(channelId);
    if (held === undefined) this.heldByChannel.set(channelId, (held = []));
    held.push({ from, bytes: bytes.slice() });
    this.hold(bytes.length);
  }

  // ---- internals ----

  /** Send a frame of a routed channel on, or hold it for the target's link. `owned`: bytes are already a copy. */
  private forward(from: string, channelId: number, kind: number, bytes: Uint8Array, owned: boolean): void {
    const route = this.routes.get(channelId);
    if (route === undefined) return; // retired while its held frames were being flushed
    const isCredit = kind === FrameKind.CREDIT;
    const source = isCredit ? route.consumer : route.producer;
    if (from !== source) {
      log.warn(
        `${this.name}: dropped a ${KIND_NAMES[kind] ?? kind} frame on channel ${channelId} from ${from}: ` +
          `channel ${channelId} runs ${route.producer} -> ${route.consumer}, so it must come from ${source}`,
      );
      this.framesDropped++;
      return;
    }
    const target = isCredit ? route.producer : route.consumer;
    const link = this.links.get(target);
    if (link !== undefined) {
      this.deliver(link, bytes);
      return;
    }
    let queued = this.heldByEndpoint.get(target);
    if (queued === undefined) this.heldByEndpoint.set(target, (queued = []));
    queued.push({ channelId, bytes: owned ? bytes : bytes.slice() });
    this.hold(bytes.length);
  }

  private deliver(link: RouterLink, bytes: Uint8Array): void {
    link.send(bytes);
    this.framesRouted++;
    this.bytesRouted += bytes.length;
  }

  private hold(n: number): void {
    this.heldBytes += n;
    this.heldFrames++;
    if (this.heldBytes > this.maxPendingBytes) this.overflow();
  }

  private release(bytes: Uint8Array): void {
    this.heldBytes -= bytes.length;
    this.heldFrames--;
  }

  /** Too much held: fail and retire every channel with held frames. */
  private overflow(): void {
    const ids = new Set<number>(this.heldByChannel.keys());
    for (const queued of this.heldByEndpoint.values()) for (const { channelId } of queued) ids.add(channelId);
    const error = new NetworkError(
      `${this.name}: more than ${this.maxPendingBytes} bytes of frames are waiting for a route or a link; ` +
        `failing the ${ids.size} channel(s) that hold them`,
      "ROUTING_OVERFLOW",
    );
    log.warn(error.message);
    this.retire(ids);
    this.options.onChannelsFailed([...ids].sort((a, b) => a - b), error);
  }

  /** Forget routes and held frames of `ids`; remember them as retired (bounded, oldest evicted first). */
  private retire(ids: ReadonlySet<number>): void {
    if (ids.size === 0) return;
    for (const id of ids) {
      this.routes.delete(id);
      for (const { bytes } of this.heldByChannel.get(id) ?? []) this.release(bytes);
      this.heldByChannel.delete(id);
      this.retired.delete(id); // re-insert as newest
      this.retired.add(id);
    }
    for (const [endpoint, queued] of this.heldByEndpoint) {
      const kept = queued.filter((f) => !ids.has(f.channelId));
      if (kept.length === queued.length) continue;
      for (const f of queued) if (ids.has(f.channelId)) this.release(f.bytes);
      if (kept.length === 0) this.heldByEndpoint.delete(endpoint);
      else this.heldByEndpoint.set(endpoint, kept);
    }
    while (this.retired.size > this.maxRetired) this.retired.delete(this.retired.values().next().value!);
  }
}
