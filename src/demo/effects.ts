/**
 * The planted channel effects: the known right answer the attribution page should find in
 * simulated data.
 *
 * Each synthetic customer is exposed, or not, to each of these, independently, with the
 * `reach` probability. The chance that they buy within the simulated period is
 *
 *     min(maxRate, baseRate × Π lift of every exposure they had)
 *
 * and the purchase always comes after every exposure. So, by construction:
 *
 * - email: customers who open a campaign email buy at 2× the baseline;
 * - showroom: customers who visit the New York showroom buy at 4× (most of them at its
 *   POS, the same day); mostly people living within 25 km of it;
 * - social ads: clicking a Facebook, Instagram, Pinterest or YouTube ad lifts buying 1.5×;
 * - display: banner clicks (utm_medium=display) have NO effect (1×), although display
 *   gets spend and touches, so last-touch and linear models give it credit it did not earn;
 * - marketplace and Messenger touches have no effect either; a marketplace order still
 *   makes the marketplace its last touch.
 *
 * How customers first arrive (paid and organic search, Instagram, referral, direct) does
 * not change their chance to buy. A model that reads these effects right ranks
 * store > email > display, with display near the bottom (Markov with nulls does).
 */
export type Exposure = 'email' | 'showroom' | 'social_ads' | 'display' | 'marketplace' | 'messenger';

export interface PlantedEffect {
  /** Attribution channels (default taxonomy) through which this exposure shows. */
  channels: readonly string[];
  /** Multiplier on the chance to buy; 1 means no effect. */
  lift: number;
  /** Share of customers exposed; the showroom's depends on living near it. */
  reach: number | { near: number; far: number };
  what: string;
}

export const PLANTED_EFFECTS = {
  /** Chance to buy with none of the exposures. */
  baseRate: 0.12,
  maxRate: 0.9,
  /** Share of customers living within 25 km of the showroom. */
  nearShare: 0.4,
  effects: {
    email: { channels: ['email'], lift: 2, reach: 0.4, what: 'opened a campaign email (Email Opened / Email Link Clicked)' },
    showroom: { channels: ['store'], lift: 4, reach: { near: 0.45, far: 0.03 }, what: 'visited the New York showroom (Store Visited at the POS)' },
    social_ads: { channels: ['facebook_ads', 'instagram_ads', 'pinterest_ads', 'youtube_ads'], lift: 1.5, reach: 0.25, what: 'clicked a social ad (Ad Clicked)' },
    display: { channels: ['display'], lift: 1, reach: 0.25, what: 'came in from a display banner (utm_medium=display): no effect' },
    marketplace: { channels: ['marketplace'], lift: 1, reach: 0.15, what: 'looked at the brand on the marketplace: no effect' },
    messenger: { channels: ['messenger'], lift: 1, reach: 0.08, what: 'wrote to the brand on Messenger: no effect' },
  } satisfies Record<Exposure, PlantedEffect>,
  /** Channels from the strongest true effect to none; what a causal reading should show. */
  ranking: ['store', 'email', 'social_ads', 'display'],
} as const;

export const EXPOSURES = Object.keys(PLANTED_EFFECTS.effects) as Exposure[];

/** The chance to buy for a set of exposures. */
export function buyRate(exposures: Iterable<Exposure>): number {
  let p = PLANTED_EFFECTS.baseRate;
  for (const e of exposures) p *= PLANTED_EFFECTS.effects[e].lift;
  return Math.min(PLANTED_EFFECTS.maxRate, p);
}

/** The planted effects as lines for a terminal. */
export function describeEffects(): string[] {
  const out = [`planted effects (baseline: ${PLANTED_EFFECTS.baseRate * 100}% of customers buy):`];
  for (const [name, e] of Object.entries(PLANTED_EFFECTS.effects) as [Exposure, PlantedEffect][]) {
    const reach = typeof e.reach === 'number' ? `${Math.round(e.reach * 100)}%` : `${Math.round(e.reach.near * 100)}% near, ${Math.round(e.reach.far * 100)}% far`;
    out.push(`  ${name.padEnd(12)} ×${String(e.lift).padEnd(4)} reach ${reach.padEnd(16)} ${e.channels.join(', ')}: ${e.what}`);
  }
  out.push(`  right answer: ${PLANTED_EFFECTS.ranking.join(' > ')} (display has no effect; compare POST /api/v1/attribution with models ["markov"], nulls: true)`);
  return out;
}
