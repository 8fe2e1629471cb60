/** The outbox: every outbound message, its send-time checks, retries and feedback. See types.ts. */
export { createMessaging, type Messaging, type MessagingOptions } from './create.ts';
export { Dispatcher, type DispatcherDeps } from './dispatcher.ts';
export { enqueueMessage, enqueueMessages, cancelMessages, cancelMessagesMany, type CancelFilter } from './enqueue.ts';
export { eraseMessages } from './erase.ts';
export { listMessages, messagesOfProfiles, getMessage, type ListQuery, type MessagePage, type MessageWithHistory } from './list.ts';
export { recordFeedback, type FeedbackInput } from './feedback.ts';
export { feedbackEvent, type Emit } from './events.ts';
export { consentProblem, reach } from './recipient.ts';
export { DEFAULT_RETRY, retryDelay, TokenBucket, type RetryOptions } from './pacing.ts';
export type { Policy } from './send.ts';
export {
  MESSAGE_STATUSES, type MessageStatus, type Purpose, type OutboxMessage, type HistoryEntry, type EnqueueInput,
  type MessagingProfile, type PolicyDecision, type LoadTemplate, type LoadProfiles,
} from './types.ts';
