export { resolveAndApply, INTERNAL_SOURCE, type CustomerStageDeps } from './stage.ts';
export { applyEvent, mergeInto, emptyProfile } from './apply.ts';
export { loadProfiles, saveProfiles, findLiveProfile, LIVE_PROFILES_OF_IDS } from './repo.ts';
export { getProfile, findProfileId, timeline, deleteProfile, exportProfile, parseIdentifier, type EraseProfiles, type HeldElsewhere, type ProfileView, type Timeline } from './service.ts';
export { searchProfiles, type SearchHit } from './search.ts';
export { ProfileCache, type ProfileRecord } from './cache.ts';
export { batchProfiles, type ProfileBatch } from './batch.ts';
