/**
 * @module core/key-groups
 * Keys -> key groups -> subtasks. A key belongs to key group `murmur(hash(key)) % maxParallelism`;
 * key groups are assigned to subtasks in contiguous ranges, so keyed state can be redistributed when
 * parallelism changes by moving whole key groups (Flink's KeyGroupRangeAssignment).
 */

/** Default upper bound of parallelism for keyed state, as in Flink. */
export const DEFAULT_MAX_PARALLELISM = 128;

/** An inclusive range of key groups owned by one subtask. */
export interface KeyGroupRange {
  readonly start: number;
  readonly end: number;
}

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's 32-bit finalizer (avalanche); returns an unsigned 32-bit integer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function finish(h: number, length: number): number {
  return fmix32(h ^ length);
}

/** MurmurHash3 (x86, 32 bit) over the UTF-16 code units of a string, two units per block. */
export function murmurString(s: string): number {
  let h = 0;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) h = mix(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  return finish(h, n * 2);
}

/** MurmurHash3 finaliser applied to a 32-bit integer. */
export function murmurInt(x: number): number {
  return finish(mix(0, x | 0), 4);
}

/**
 * A stable, process-independent hash of a key. Strings and 32-bit integers hash directly; other
 * numbers, booleans and bigints hash their string form; arrays and objects their JSON form (so
 * composite keys such as `[user, day]` work and agree across workers).
 */
export function hashKey(key: unknown): number {
  switch (typeof key) {
    case "string":
      return murmurString(key);
    case "number":
      return (key | 0) === key ? murmurInt(key) : murmurString(`n:${key}`);
    case "boolean":
      return key ? murmurInt(1) : murmurInt(0);
    case "bigint":
      return murmurString(`b:${key}`);
    case "undefined":
      return 0;
    default:
      return key === null ? 0 : murmurString(JSON.stringify(key));
  }
}

/**
 * A key usable as a Map key: primitives stay as they are; arrays and objects (composite keys, created
 * anew for every record) become one canonical string "\u0000" + JSON so equal keys find the same
 * entry. A plain string that itself starts with "\u0000" is escaped as "\u0000\u0000" + string, so it
 * can never collide with a composite key (JSON never starts with "\u0000").
 */
export function normalizeKey(key: unknown): unknown {
  if (typeof key === "string") return key.charCodeAt(0) === 0 ? `\u0000\u0000${key}` : key;
  return typeof key === "object" && key !== null ? `\u0000${JSON.stringify(key)}` : key;
}

/** The original key of a normalized one (inverse of normalizeKey). */
export function denormalizeKey(normalized: unknown): unknown {
  if (typeof normalized !== "string" || normalized.charCodeAt(0) !== 0) return normalized;
  return normalized.charCodeAt(1) === 0 ? normalized.slice(2) : JSON.parse(normalized.slice(1));
}

/** The key group a key belongs to. */
export function keyGroupOf(key: unknown, maxParallelism: number): number {
  return hashKey(key) % maxParallelism;
}

/** The subtask that owns a key group (Flink: keyGroup * parallelism / maxParallelism). */
export function subtaskForKeyGroup(keyGroup: number, parallelism: number, maxParallelism: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The subtask a key is routed to. */
export function subtaskForKey(key: unknown, parallelism: number, maxParallelism: number): number {
  return subtaskForKeyGroup(keyGroupOf(key, maxParallelism), parallelism, maxParallelism);
}

/** The key groups owned by `subtask`: the inverse of subtaskForKeyGroup. */
export function keyGroupRangeFor(subtask: number, parallelism: number, maxParallelism: number): KeyGroupRange {
  const start = Math.floor((subtask * maxParallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((subtask + 1) * maxParallelism + parallelism - 1) / parallelism) - 1;
  return { start, end };
}
