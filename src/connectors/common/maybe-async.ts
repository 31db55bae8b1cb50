/**
 * @module connectors/common/maybe-async
 * Steps that are synchronous for some connectors (files) and asynchronous for others (Kafka): run them
 * in order, staying synchronous until a step returns a Promise, so a synchronous sink keeps a purely
 * synchronous protocol and an asynchronous one gets a single Promise the task waits for.
 */
export type MaybePromise<T> = T | Promise<T>;

/** `next(value)`, after `value` settled if it is a Promise. */
export function andThen<A, B>(value: MaybePromise<A>, next: (a: A) => MaybePromise<B>): MaybePromise<B> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** Run `step` for each item in order. */
export function forEachInOrder<T>(items: readonly T[], step: (item: T) => MaybePromise<void>): MaybePromise<void> {
  for (let i = 0; i < items.length; i++) {
    const result = step(items[i]!);
    if (result instanceof Promise) {
      return result.then(() => forEachInOrder(items.slice(i + 1), step));
    }
  }
}

/** `step()`, with a failure (thrown or rejected) turned into `wrap(error)`. */
export function mapFailure<T>(step: () => MaybePromise<T>, wrap: (error: unknown) => Error): MaybePromise<T> {
  let result: MaybePromise<T>;
  try {
    result = step();
  } catch (error) {
    throw wrap(error);
  }
  return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(wrap(error))) : result;
}
