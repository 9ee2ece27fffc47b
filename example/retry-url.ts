import { statusCallbackUrl } from 'fastify-twilio-status'

// Ask Twilio to retry this callback on a 5xx answer or a connection timeout, up to three times.
export const callStatusCallback = statusCallbackUrl('https://hooks.example.com/twilio/call/status', { retryCount: 3, retryPolicy: ['5xx', 'ct'] })
// → 'https://hooks.example.com/twilio/call/status#rc=3&rp=5xx,ct'
