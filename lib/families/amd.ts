/** Asynchronous answering-machine detection, `AsyncAmdStatusCallback` (docs/twilio-facts.md §11). */
import type { Family } from './family'

export const AMD_RESULTS = [
  'human', 'machine_start', 'machine_end_beep', 'machine_end_silence', 'machine_end_other', 'fax', 'unknown'
] as const

export const AMD_FIELDS = ['AnsweredBy', 'CallSid', 'AccountSid', 'MachineDetectionDuration'] as const

export const amd = {
  path: '/twilio/amd/status',
  statusParams: ['AnsweredBy'],
  sidParams: ['CallSid'],
  statuses: AMD_RESULTS,
  fields: AMD_FIELDS,
  keyParams: [],
  // One verdict per call, with no sequence: nothing to order by.
  order: null
} as const satisfies Family
