/**
 * Word count over a few lines of text: flatMap into words, keyBy word, rolling count with reduce.
 * Run it: `bun run bicycle run examples/wordcount.ts`
 */
import type { StreamEnvironment } from "bicycle";

const LINES = [
  "the quick brown fox jumps over the lazy dog",
  "the dog barks",
  "a quick brown dog",
];

export default function wordCount(env: StreamEnvironment): void {
  env
    .fromElements(LINES)
    .flatMap((line) => line.split(/\s+/).map((word) => ({ word, count: 1 })))
    .keyBy((w) => w.word)
    .reduce((a, b) => ({ word: a.word, count: a.count + b.count }))
    .filter((w) => w.count >= 2)
    .map((w) => `${w.word}: ${w.count}`)
    .print();
}
