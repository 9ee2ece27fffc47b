import type { Stats } from '../../types/index'

export function createStats (): Stats {
  return { dispatched: 0, duplicates: 0, stale: 0, inProgress: 0, deadlines: 0, storeErrors: 0 }
}
