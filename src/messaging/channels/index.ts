/** Channel configuration: one provider per channel per workspace, secrets sealed at rest. */
export { ChannelService, MASK, type ChannelConfigInput, type ChannelConfigView, type ChannelServiceDeps, type ResolvedChannel } from './service.ts';
export { defaultRegistry, channelsOf, NO_IDEMPOTENCY, type ProviderEntry, type ProviderRegistry } from './registry.ts';
export { secretBox, type SecretBox } from './secrets.ts';
export { providerCatalog, type ProviderInfo } from './catalog.ts';
