/**
 * Public types, split by concern: statuses (derived from the families' lists in `lib/families`),
 * the events Twilio sends, each family's callbacks, verification, the plugin's options, stores,
 * delivery counters and queue mode.
 */
export type * from './statuses'
export type * from './events'
export type * from './callbacks'
export type * from './verify'
export type * from './options'
export type * from './stores'
export type * from './delivery'
export type * from './queue'
export type * from './decisions'
export type * from './reconcile'
