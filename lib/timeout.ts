/**
 * `work`, or a rejection with `error()` once `ms` have passed, whichever comes first. The timer is
 * cleared either way; `work` itself goes on, and its outcome is the caller's to record. Bounds a
 * store call (`storeTimeout`), a queue add (`queue.timeout`) and a worker's attempt (`timeout`).
 */
export function withTimeout<T> (work: PromiseLike<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    // Unref'd: a deadline alone never keeps the process alive (a worker closed during a hung callback exits).
    timer = setTimeout(() => reject(error()), ms).unref()
  })
  return Promise.race([work, timeout]).then((value) => {
    clearTimeout(timer)
    return value
  }, (err: unknown) => {
    clearTimeout(timer)
    throw err
  })
}
