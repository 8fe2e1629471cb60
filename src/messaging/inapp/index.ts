/** In-app and onsite messages: stored in the outbox, fetched by the app, marked delivered. */
export { InAppService, INAPP_ACTIONS, INAPP_MAX_AGE_MS, type InAppDeps, type InAppMessage, type InAppAction, type Visitor } from './service.ts';
export { inappProvider, inappSettings, type InappSettings } from './provider.ts';
