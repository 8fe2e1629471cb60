/**
 * What each provider needs, for forms that configure a channel: the channels it serves,
 * its settings as JSON Schema (from the same zod schema the API validates with), and
 * which settings are secrets (write-only).
 */
import { z } from 'zod';
import { channelsOf, type ProviderRegistry } from './registry.ts';

export interface ProviderInfo { name: string; channels: string[]; secretFields: string[]; settings: Record<string, unknown> }

export function providerCatalog(registry: ProviderRegistry): ProviderInfo[] {
  return Object.values(registry).map(f => ({
    name: f.name,
    channels: [...channelsOf(f)],
    secretFields: [...f.secretFields],
    // unrepresentable "any": a refinement or transform must not hide the whole form.
    settings: z.toJSONSchema(f.settings as z.ZodType, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>,
  })).sort((a, b) => a.name.localeCompare(b.name));
}
