/** Recording status callbacks, `RecordingStatusCallback` (docs/twilio-facts.md §12). */
import type { Family } from './family'

export const RECORDING_STATUSES = ['in-progress', 'completed', 'absent', 'failed'] as const

export const RECORDING_FIELDS = [
  'RecordingStatus', 'RecordingSid', 'AccountSid', 'CallSid', 'ConferenceSid', 'RecordingUrl', 'RecordingDuration',
  'RecordingChannels', 'RecordingStartTime', 'RecordingSource', 'RecordingTrack', 'ErrorCode'
] as const

export const recordings = {
  path: '/twilio/recording/status',
  statusParams: ['RecordingStatus'],
  sidParams: ['RecordingSid'],
  statuses: RECORDING_STATUSES,
  fields: RECORDING_FIELDS,
  keyParams: [],
  // A recording is in progress, then ends one way: a late `in-progress` is stale.
  order: { ranks: { 'in-progress': 0, completed: 1, absent: 1, failed: 1 } }
} as const satisfies Family
