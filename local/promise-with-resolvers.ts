/**
 * aws-local-stepfunctions 3 declares Node ≥ 22 and calls `Promise.withResolvers` (Node 22+). On Node 20
 * it fails at run time — and a `Catch` on `States.ALL` would hide that as an ordinary failure. This
 * guarded polyfill (the standard semantics) makes it work on Node 20; it does nothing on Node 22.
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
if (typeof promiseConstructor.withResolvers !== 'function') {
  promiseConstructor.withResolvers = <T>(): Resolvers<T> => {
    let resolve!: Resolvers<T>['resolve'];
    let reject!: Resolvers<T>['reject'];
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export {};
