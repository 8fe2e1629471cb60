/**
 * The behaviour model: one synthetic customer's story as Segment-shaped events, each from
 * the source that would really send it (web, app, marketplace, POS, Facebook, the email
 * provider, Messenger). Stories are pure functions of (seed, tag, index, window), so a
 * population is the same on every run. Effects on buying are planted in effects.ts.
 */
import { AD_PLATFORMS, BRAND, FAR_CITIES, FIRST_NAMES, LAST_NAMES, NEAR_CITIES, PRODUCTS, SHOWROOM, SOURCE_CHANNEL, type City, type Product, type Source } from './brand.ts';
import { EXPOSURES, PLANTED_EFFECTS, buyRate, type Exposure } from './effects.ts';
import { hashSeed, rng, type Rng } from './rng.ts';

export const MIN = 60_000;
export const H = 60 * MIN;
export const DAY = 24 * H;

export type Body = Record<string, unknown>;

/** One event: its time, the source that sends it, and the Segment call (with `type` and `messageId`). */
export interface SimEvent { at: number; source: Source; customer: number; body: Body }

export interface SimCustomer {
  index: number; userId: string; email: string; phone: string; firstName: string; lastName: string;
  city: City; near: boolean; address: Body; hasApp: boolean;
  exposures: Exposure[]; converts: boolean; purchase: 'web' | 'app' | 'marketplace' | 'pos' | null;
}

export interface StoryInput { seed: number; tag: string; index: number; start: number; end: number }

type Landing = { campaign?: Body; query?: string; referrer?: string };
const ACQUISITION: [Landing, number][] = [
  [{ campaign: { source: 'google', medium: 'cpc', name: 'mattress-search' }, query: 'gclid=Cj0K' }, 30],
  [{ referrer: 'https://www.google.com/' }, 25],
  [{ referrer: 'https://www.instagram.com/' }, 15],
  [{ referrer: 'https://www.sleepreviews.example/best-mattress-2026' }, 10],
  [{}, 20],
];

export function customerStory(input: StoryInput): { customer: SimCustomer; events: SimEvent[] } {
  const r = rng(hashSeed(input.seed, input.tag, input.index));
  const c = makeCustomer(r, input);
  const s = new Story(r, c, input);
  return { customer: c, events: s.play() };
}

function makeCustomer(r: Rng, { tag, index }: StoryInput): SimCustomer {
  const firstName = r.pick(FIRST_NAMES), lastName = r.pick(LAST_NAMES);
  const near = r.chance(PLANTED_EFFECTS.nearShare);
  const city = r.pick(near ? NEAR_CITIES : FAR_CITIES);
  const exposures = EXPOSURES.filter(e => {
    const reach = PLANTED_EFFECTS.effects[e].reach;
    return r.chance(typeof reach === 'number' ? reach : near ? reach.near : reach.far);
  });
  const converts = r.chance(buyRate(exposures));
  const hasApp = r.chance(0.3);
  const purchase = !converts ? null : exposures.includes('showroom') ? (r.chance(0.75) ? 'pos' : 'web')
    : r.weighted([['web', 0.7], ['app', hasApp ? 0.15 : 0], ['marketplace', 0.15]] as const);
  const lat = city.lat + r.between(-0.02, 0.02), lng = city.lng + r.between(-0.02, 0.02);
  // Unique per tag and index, so populations of different runs never merge by phone.
  const exchange = 200 + ((hashSeed(tag) + Math.floor(index / 10_000)) % 800);
  return {
    index, firstName, lastName, city, near, hasApp, exposures, converts, purchase,
    userId: `cust-${tag}-${index}`,
    email: `${firstName}.${lastName}.${index}.${tag}@example.com`.toLowerCase(),
    phone: `+1 ${city.area} ${exchange} ${String(index % 10_000).padStart(4, '0')}`,
    address: { line1: `${r.int(1, 480)} ${r.pick(['Plymouth St', 'Bedford Ave', 'W 21st St', 'Park Ave', 'Elm St', 'Maple Ave', 'Bloomfield St'])}`, city: city.city, state: city.state, postalCode: city.postalCode, country: 'US', lat: round(lat), lng: round(lng) },
  };
}

const round = (v: number) => Math.round(v * 1e5) / 1e5;

interface Beat { gap: number; run: (t: number) => void }

class Story {
  private events: SimEvent[] = [];
  private n = 0;
  private identified = false;
  private loggedIn = false;
  private readonly ids: { web: string; app: string; esp: string; market: string; psid: string; loyalty: string };
  private readonly consent: Record<string, boolean>;
  private readonly interest: Product;

  constructor(private r: Rng, private c: SimCustomer, private input: StoryInput) {
    const k = `${input.tag}-${input.index}`;
    this.ids = { web: `web-${k}`, app: `app-${k}`, esp: `esp-${k}`, market: `mkt-${k}`, psid: `psid-${k}`, loyalty: `NJ-${k}` };
    const ex = new Set(c.exposures);
    this.consent = {
      email: ex.has('email') || r.chance(0.8), sms: r.chance(0.35), advertising: r.chance(0.7), direct_mail: r.chance(0.5),
      ...(c.hasApp ? { push: r.chance(0.6) } : {}),
    };
    this.interest = r.chance(0.45) ? PRODUCTS.king : PRODUCTS.queen;
  }

  play(): SimEvent[] {
    const { r, c } = this;
    const before: Beat[] = [];
    const gap = () => r.between(6 * H, 4 * DAY);
    for (const e of c.exposures) {
      if (e === 'showroom' && c.purchase === 'pos') continue;
      const times = e === 'display' || e === 'social_ads' ? r.int(1, 2) : 1;
      for (let i = 0; i < times; i++) before.push({ gap: gap(), run: t => this.exposure(e, t) });
    }
    for (let i = r.int(0, 1); i > 0; i--) before.push({ gap: gap(), run: t => this.browse(t) });
    if (c.hasApp) before.push({ gap: gap(), run: t => this.appSession(t) });
    if (this.consent.email && !c.exposures.includes('email') && r.chance(0.6)) before.push({ gap: gap(), run: t => this.newsletter(t, false) });
    r.shuffle(before);
    // The cart is filled during the last visit, whatever brought them: no new way in.
    if (r.chance(c.converts ? 0.85 : 0.5)) before.push({ gap: r.between(5 * MIN, 25 * MIN), run: t => this.cart(t) });
    if (c.purchase) before.push({ gap: r.between(2 * H, 2 * DAY), run: t => this.buy(t) });

    const t0 = this.input.start + this.r.between(0, 0.8) * (this.input.end - this.input.start);
    // Room at the end for the last beat's own events (an email opened hours after delivery).
    const room = this.input.end - t0 - Math.min(12 * H, (this.input.end - this.input.start) / 10);
    const total = before.reduce((s, b) => s + b.gap, 0);
    const scale = total > room ? Math.max(0, room) / total : 1;
    let t = t0;
    this.landing(t, r.weighted(ACQUISITION));
    for (const b of before) { t += b.gap * scale; b.run(t); }
    if (c.purchase && r.chance(0.5)) {
      const at = t + r.between(5 * DAY, 10 * DAY);
      if (at < this.input.end) this.review(at);
    }
    const kept = this.events.filter(e => e.at < this.input.end).sort((a, b) => a.at - b.at);
    // A window too short for the whole story can cut the order off: then they did not buy.
    if (c.purchase && !kept.some(e => e.body.event === 'Order Completed')) { c.converts = false; c.purchase = null; }
    return kept;
  }

  private emit(at: number, source: Source, type: string, body: Body) {
    const ctx = { ...((body.context as Body | undefined) ?? {}), channel: SOURCE_CHANNEL[source] };
    this.events.push({ at: Math.round(at), source, customer: this.c.index, body: { type, messageId: `sim-${this.input.tag}-${this.c.index}-${this.n++}`, ...body, context: ctx } });
  }

  private webIds(): Body { return this.loggedIn ? { anonymousId: this.ids.web, userId: this.c.userId } : { anonymousId: this.ids.web }; }

  private page(t: number, path: string, title: string, landing?: Landing) {
    const url = `${BRAND.site}${path}${landing?.query ? `?${landing.query}` : ''}${landing?.campaign ? `${landing.query ? '&' : '?'}utm_source=${landing.campaign.source}&utm_medium=${landing.campaign.medium}&utm_campaign=${landing.campaign.name}` : ''}`;
    const referrer = landing ? (landing.referrer ?? '') : `${BRAND.site}/`;
    this.emit(t, 'web', 'page', {
      ...this.webIds(), name: title, properties: { path, url, title, ...(referrer ? { referrer } : {}) },
      context: { page: { path, url, title, ...(referrer ? { referrer } : {}) }, ...(landing?.campaign ? { campaign: landing.campaign } : {}), timezone: this.c.city.timezone },
    });
  }

  private view(t: number, p: Product) {
    this.page(t, p.path, p.product);
    this.emit(t + 5_000, 'web', 'track', { ...this.webIds(), event: 'Product Viewed', properties: { product: p.product, sku: p.sku, category: p.category, price: p.price } });
  }

  /** A visit from outside: the landing page, then a product or two; often the email pop-up. */
  private landing(t: number, from: Landing, popup = this.r.chance(0.6)) {
    this.page(t, '/', BRAND.name, from);
    const p = this.r.chance(0.8) ? this.interest : this.r.pick([PRODUCTS.queen, PRODUCTS.king, PRODUCTS.pillow]);
    this.view(t + this.r.between(20_000, 3 * MIN), p);
    if (this.r.chance(0.4)) this.view(t + this.r.between(3 * MIN, 8 * MIN), this.r.pick([PRODUCTS.pillow, PRODUCTS.protector, this.interest]));
    if (popup) this.identify(t + 9 * MIN, false);
  }

  /** The pop-up (email only) or, with `full`, account details with phone and address. */
  private identify(t: number, full: boolean) {
    const c = this.c;
    const traits: Body = { email: c.email, firstName: c.firstName, lastName: c.lastName, ...(full || this.r.chance(0.5) ? { phone: c.phone, address: c.address } : {}) };
    this.emit(t, 'web', 'identify', { ...this.webIds(), traits, context: { consent: { categoryPreferences: this.consent }, timezone: c.city.timezone } });
    this.identified = true;
  }

  private ensureIdentified(t: number) { if (!this.identified) this.identify(t - 2 * MIN, false); }

  private login(t: number) {
    this.loggedIn = true;
    this.identify(t, true);
  }

  private exposure(e: Exposure, t: number) {
    const r = this.r;
    switch (e) {
      case 'email': return this.newsletter(t, true);
      case 'display': return this.landing(t, { campaign: { source: 'gdn', medium: 'display', name: 'retargeting-mattress' } }, false);
      case 'social_ads': {
        const platform = r.pick(AD_PLATFORMS);
        this.emit(t, 'facebook', 'track', { anonymousId: this.ids.web, event: 'Ad Clicked', properties: { platform, campaign: 'mattress-prospecting', ad_id: `ad-${r.int(100, 140)}` } });
        // The landing page carries no tags (in-app browsers drop them): a direct visit right after the click, the same touch.
        return this.landing(t + 15_000, {}, false);
      }
      case 'marketplace': {
        this.ensureIdentified(t);
        const p = this.interest;
        this.emit(t, 'marketplace', 'track', { anonymousId: this.ids.market, event: 'Product Viewed', properties: { product: p.product, sku: p.sku, category: p.category, price: p.price, marketplace: 'amazon' }, context: { traits: { email: this.c.email } } });
        return;
      }
      case 'messenger': {
        this.ensureIdentified(t);
        this.emit(t, 'messenger', 'track', {
          anonymousId: this.ids.psid, event: 'Messenger Message Received', properties: { text: `Do you have the ${this.interest.product.toLowerCase()} in stock?` },
          context: { externalIds: [{ id: this.ids.psid, type: 'messenger_psid', collection: 'users', encoding: 'none' }], traits: { email: this.c.email }, consent: { categoryPreferences: { messenger: true } } },
        });
        return;
      }
      case 'showroom': return this.visit(t, false);
    }
  }

  private newsletter(t: number, engaged: boolean) {
    this.ensureIdentified(t);
    const r = this.r;
    const campaign = r.pick(['spring-sleep-sale', 'how-we-make-mattresses', 'sleep-guide', 'new-pillows']);
    const ids = { anonymousId: this.ids.esp, context: { traits: { email: this.c.email } } };
    const mid = `esp-${this.input.tag}-${this.c.index}-${this.n}`;
    this.emit(t, 'email', 'track', { ...ids, event: 'Email Delivered', properties: { campaign, email_id: mid } });
    if (!engaged) return;
    const open = t + r.between(10 * MIN, 8 * H);
    this.emit(open, 'email', 'track', { ...ids, event: 'Email Opened', properties: { campaign, email_id: mid } });
    if (!r.chance(0.6)) return;
    const click = open + r.between(MIN, 10 * MIN);
    this.emit(click, 'email', 'track', { ...ids, event: 'Email Link Clicked', properties: { campaign, email_id: mid, url: `${BRAND.site}${this.interest.path}` } });
    this.page(click + 5_000, this.interest.path, this.interest.product, { campaign: { source: 'newsletter', medium: 'email', name: campaign } });
  }

  private browse(t: number) {
    this.landing(t, this.r.chance(0.5) ? {} : { referrer: 'https://www.google.com/' }, false);
    if (this.r.chance(0.3)) this.emit(t + 4 * MIN, 'web', 'track', { ...this.webIds(), event: 'Video Watched', properties: { title: 'How our mattresses are made' } });
  }

  /** The app: its login is the same account as the web's, so both devices meet in one profile. */
  private appSession(t: number) {
    this.ensureIdentified(t);
    const device = { type: 'ios', token: `tok-${this.input.tag}-${this.c.index}`, model: 'iPhone15,3' };
    const ids = { anonymousId: this.ids.app, userId: this.c.userId };
    this.emit(t, 'app', 'track', { ...ids, event: 'Application Opened', context: { device } });
    this.emit(t + 20_000, 'app', 'identify', { ...ids, traits: { email: this.c.email, firstName: this.c.firstName, lastName: this.c.lastName }, context: { device, consent: { categoryPreferences: this.consent } } });
    this.identified = true;
    const p = this.interest;
    this.emit(t + MIN, 'app', 'screen', { ...ids, name: p.product, properties: { product: p.product } });
    this.emit(t + MIN + 3_000, 'app', 'track', { ...ids, event: 'Product Viewed', properties: { product: p.product, sku: p.sku, category: p.category, price: p.price } });
  }

  /** Puts the mattress in the cart and leaves; about half give their email on the way out. */
  private cart(t: number) {
    const p = this.interest;
    this.view(t, p);
    this.emit(t + 4 * MIN, 'web', 'track', { ...this.webIds(), event: 'Product Added', properties: { product: p.product, sku: p.sku, category: p.category, price: p.price, quantity: 1 } });
    if (!this.identified && this.r.chance(0.5)) this.identify(t + 5 * MIN, false);
  }

  private basket(): { products: Body[]; total: number } {
    const items: { p: Product; q: number }[] = [{ p: this.interest, q: 1 }];
    if (this.r.chance(0.5)) items.push({ p: PRODUCTS.pillow, q: 2 });
    if (this.r.chance(0.3)) items.push({ p: PRODUCTS.protector, q: 1 });
    return {
      products: items.map(({ p, q }) => ({ product: p.product, sku: p.sku, category: p.category, price: p.price, quantity: q })),
      total: items.reduce((s, { p, q }) => s + p.price * q, 0),
    };
  }

  private visit(t: number, buys: boolean) {
    const c = this.c;
    this.ensureIdentified(t);
    const ids = { userId: c.userId, context: { externalIds: [{ id: this.ids.loyalty, type: 'loyalty_id', collection: 'users', encoding: 'none' }], traits: { email: c.email, phone: c.phone } } };
    this.emit(t, 'pos', 'track', { ...ids, event: 'Store Visited', properties: { store: SHOWROOM.name } });
    if (!buys) return;
    const { products, total } = this.basket();
    this.emit(t + this.r.between(20 * MIN, 70 * MIN), 'pos', 'track', {
      ...ids, event: 'Order Completed', properties: { order_id: `NYC-${this.input.tag}-${c.index}`, total, currency: 'USD', products, store: SHOWROOM.name, payment: 'card' },
    });
  }

  private buy(t: number) {
    const c = this.c;
    const purchase = c.purchase!;
    if (purchase === 'pos') return this.visit(t, true);
    const { products, total } = this.basket();
    const order = { total, currency: 'USD', products };
    if (purchase === 'marketplace') {
      this.ensureIdentified(t);
      this.emit(t, 'marketplace', 'track', { anonymousId: this.ids.market, event: 'Order Completed', properties: { ...order, order_id: `AMZ-${this.input.tag}-${c.index}`, marketplace: 'amazon' }, context: { traits: { email: c.email } } });
      return;
    }
    const source = purchase === 'app' ? 'app' : 'web';
    if (source === 'web') { this.page(t, '/checkout', 'Checkout'); this.login(t + 30_000); } else this.identified = true;
    const ids = source === 'web' ? this.webIds() : { anonymousId: this.ids.app, userId: c.userId };
    this.emit(t + MIN, source, 'track', { ...ids, event: 'Checkout Started', properties: { value: total, products } });
    this.emit(t + 3 * MIN, source, 'track', { ...ids, event: 'Order Completed', properties: { ...order, order_id: `${source === 'app' ? 'APP' : 'W'}-${this.input.tag}-${c.index}` }, context: { traits: { email: c.email, phone: c.phone, address: c.address } } });
  }

  private review(t: number) {
    const rating = this.r.weighted([[5, 50], [4, 30], [3, 12], [2, 5], [1, 3]] as const);
    const viaChat = this.c.exposures.includes('messenger');
    const body = { event: 'Review Submitted', properties: { rating, product: this.interest.product, text: rating >= 4 ? 'Best sleep in years' : 'Too firm for me' } };
    if (viaChat) this.emit(t, 'messenger', 'track', { anonymousId: this.ids.psid, ...body, context: { externalIds: [{ id: this.ids.psid, type: 'messenger_psid', collection: 'users', encoding: 'none' }] } });
    else this.emit(t, 'web', 'track', { anonymousId: this.ids.web, userId: this.c.userId, ...body });
  }
}
