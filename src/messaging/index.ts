export * from './providers/index.ts';
export * from './templates/index.ts';
export * from './outbox/index.ts';
export * from './channels/index.ts';
export * from './feedback/index.ts';
export * from './preferences/index.ts';
export * from './inapp/index.ts';
export * from './audiences/index.ts';
export { captureProvider, listCaptured, CAPTURE_CHANNELS, type CapturedMessage, type CapturedQuery } from './providers/capture.ts';
