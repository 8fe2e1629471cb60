/** Provider webhooks in (delivery and engagement feedback), and the delivery features wired together. */
export { FeedbackService, type FeedbackDeps, type FeedbackResult, type WebhookRequest } from './service.ts';
export { createDelivery, DEFAULT_PUBLIC_URL, type Delivery, type DeliveryOptions } from './delivery.ts';
export { pinnedEvent, identifiedEvent, stableId, type Append } from './events.ts';
export { trackEmail, signTracking, verifyTracking, EmailTracking, TRACKED_PROVIDERS, type TrackingClaims } from './tracking.ts';
