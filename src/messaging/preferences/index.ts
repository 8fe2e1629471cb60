/** Signed unsubscribe links (RFC 8058 one-click) and the preference center. */
export { PreferenceService, CHANNEL_LABELS, type PreferenceDeps, type PreferenceForm, type PreferenceOption, type PreferenceView } from './service.ts';
export { signLink, verifyLink, unsubscribeHeaders, unsubscribeUrl, linkKey, TokenError, LINK_TTL_MS, type LinkClaims, type LinkMessage } from './token.ts';
export { TOPIC_KEY, type Topic } from './topics.ts';
