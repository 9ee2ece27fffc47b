/** Conference status callbacks, `<Conference statusCallback>` (docs/twilio-facts.md §9). */
import type { Family } from './family'

export const CONFERENCE_EVENTS = [
  'conference-start', 'conference-end', 'participant-join', 'participant-leave', 'participant-mute',
  'participant-unmute', 'participant-hold', 'participant-unhold', 'participant-modify', 'participant-speech-start',
  'participant-speech-stop', 'announcement-end', 'announcement-fail'
] as const

export const CONFERENCE_FIELDS = [
  'StatusCallbackEvent', 'ConferenceSid', 'FriendlyName', 'AccountSid', 'SequenceNumber', 'Timestamp', 'CallSid',
  'Muted', 'Hold', 'Coaching', 'EndConferenceOnExit', 'StartConferenceOnEnter', 'ParticipantLabel',
  'CallSidEndingConference', 'ParticipantLabelEndingConference', 'ReasonConferenceEnded', 'Reason',
  'ReasonAnnouncementFailed', 'AnnounceUrl', 'ParticipantCallStatus', 'ReasonParticipantLeft'
] as const

export const conferences = {
  path: '/twilio/conference/status',
  statusParams: ['StatusCallbackEvent'],
  sidParams: ['ConferenceSid'],
  statuses: CONFERENCE_EVENTS,
  fields: CONFERENCE_FIELDS,
  // One `participant-join` per participant: the participant's call and the sequence part them.
  keyParams: ['CallSid', 'SequenceNumber'],
  order: { sequence: 'SequenceNumber' }
} as const satisfies Family
