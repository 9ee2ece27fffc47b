/**
 * One shared timer for every request's deadline: an expiry is noticed within `tick` (deadline / 20,
 * 5–250 ms). Why not a timer per request: docs/design.md, "Delivery".
 */
export interface Watch {
  readonly since: number
  readonly expire: () => void
}

export class Deadlines {
  /** Oldest first: insertion order is start order, so a sweep stops at the first young one. */
  readonly #watching = new Set<Watch>()
  readonly #deadline: number
  readonly #tick: number
  #ticker: NodeJS.Timeout | undefined

  constructor (deadline: number) {
    this.#deadline = deadline
    this.#tick = Math.max(5, Math.min(250, Math.floor(deadline / 20)))
  }

  /** Call `expire` once `deadline` ms have passed, unless `unwatch` comes first. */
  watch (expire: () => void): Watch {
    const watch = { since: Date.now(), expire }
    this.#watching.add(watch)
    // Runs only while something is watched, and never keeps the process alive.
    this.#ticker ??= setInterval(() => { this.#sweep() }, this.#tick).unref()
    return watch
  }

  unwatch (watch: Watch): void {
    this.#watching.delete(watch)
  }

  #sweep (): void {
    const now = Date.now()
    for (const watch of this.#watching) {
      if (now - watch.since < this.#deadline) break
      this.#watching.delete(watch)
      watch.expire()
    }
    if (this.#watching.size === 0) {
      clearInterval(this.#ticker)
      this.#ticker = undefined
    }
  }
}
