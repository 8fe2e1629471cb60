/**
 * The demo brand: an online mattress company with a web shop, an app, a marketplace
 * storefront and one New York showroom with a POS (SCENARIOS.md §1). Everything the seed
 * and the simulator share lives here.
 */
export const BRAND = {
  name: 'Nightjar Sleep',
  site: 'https://www.nightjar.example',
  host: 'www.nightjar.example',
};

export const SHOWROOM = {
  name: 'New York showroom',
  lat: 40.7397,
  lng: -73.9903,
  address: { line1: '22 W 19th St', city: 'New York', state: 'NY', postalCode: '10011', country: 'US', lat: 40.7397, lng: -73.9903 },
};

export interface Product { product: string; sku: string; category: string; price: number; path: string }

export const PRODUCTS = {
  queen: { product: 'Queen mattress', sku: 'MAT-Q', category: 'mattress', price: 1299, path: '/mattresses/queen' },
  king: { product: 'King mattress', sku: 'MAT-K', category: 'mattress', price: 1849, path: '/mattresses/king' },
  pillow: { product: 'Cloud pillow', sku: 'PIL-C', category: 'pillow', price: 89, path: '/pillows/cloud' },
  protector: { product: 'Mattress protector', sku: 'ACC-P', category: 'accessory', price: 119, path: '/accessories/protector' },
} satisfies Record<string, Product>;

/**
 * Each source sends with its own write key, whose channel is the default for its events
 * (the simulator also sets context.channel, so one key for everything works too).
 */
export const SOURCES = ['web', 'app', 'marketplace', 'pos', 'facebook', 'email', 'messenger'] as const;
export type Source = (typeof SOURCES)[number];
export const SOURCE_CHANNEL: Record<Source, string> = {
  web: 'web', app: 'app', marketplace: 'marketplace', pos: 'pos', facebook: 'ads', email: 'email', messenger: 'messenger',
};
export type DemoKeys = Record<Source, string>;

export interface City { city: string; state: string; postalCode: string; lat: number; lng: number; timezone: string; area: string }

/** Within 25 km of the showroom: the "showroom neighbours". */
export const NEAR_CITIES: City[] = [
  { city: 'New York', state: 'NY', postalCode: '10003', lat: 40.7315, lng: -73.9897, timezone: 'America/New_York', area: '212' },
  { city: 'Brooklyn', state: 'NY', postalCode: '11201', lat: 40.6959, lng: -73.9956, timezone: 'America/New_York', area: '718' },
  { city: 'Queens', state: 'NY', postalCode: '11101', lat: 40.7447, lng: -73.9485, timezone: 'America/New_York', area: '718' },
  { city: 'Hoboken', state: 'NJ', postalCode: '07030', lat: 40.7440, lng: -74.0324, timezone: 'America/New_York', area: '201' },
  { city: 'Jersey City', state: 'NJ', postalCode: '07302', lat: 40.7178, lng: -74.0431, timezone: 'America/New_York', area: '201' },
  { city: 'Bronx', state: 'NY', postalCode: '10451', lat: 40.8200, lng: -73.9235, timezone: 'America/New_York', area: '718' },
];

export const FAR_CITIES: City[] = [
  { city: 'Boston', state: 'MA', postalCode: '02116', lat: 42.3503, lng: -71.0810, timezone: 'America/New_York', area: '617' },
  { city: 'Philadelphia', state: 'PA', postalCode: '19103', lat: 39.9526, lng: -75.1652, timezone: 'America/New_York', area: '215' },
  { city: 'Chicago', state: 'IL', postalCode: '60614', lat: 41.9214, lng: -87.6513, timezone: 'America/Chicago', area: '312' },
  { city: 'Austin', state: 'TX', postalCode: '78704', lat: 30.2433, lng: -97.7656, timezone: 'America/Chicago', area: '512' },
  { city: 'Denver', state: 'CO', postalCode: '80205', lat: 39.7592, lng: -104.9665, timezone: 'America/Denver', area: '303' },
  { city: 'Seattle', state: 'WA', postalCode: '98103', lat: 47.6615, lng: -122.3420, timezone: 'America/Los_Angeles', area: '206' },
  { city: 'Los Angeles', state: 'CA', postalCode: '90026', lat: 34.0782, lng: -118.2606, timezone: 'America/Los_Angeles', area: '213' },
  { city: 'Miami', state: 'FL', postalCode: '33137', lat: 25.8136, lng: -80.1918, timezone: 'America/New_York', area: '305' },
];

export const FIRST_NAMES = ['Maya', 'Liam', 'Ava', 'Noah', 'Zoe', 'Ethan', 'Priya', 'Lucas', 'Chloe', 'Mateo', 'Aisha', 'Owen', 'Nora', 'Diego', 'Hana',
  'Caleb', 'Ines', 'Felix', 'Grace', 'Omar', 'Leah', 'Jonah', 'Sofia', 'Theo', 'Mei', 'Isaac', 'Ruby', 'Marcus', 'Elena', 'Kai'];
export const LAST_NAMES = ['Rivera', 'Chen', 'Patel', 'Okafor', 'Kowalski', 'Nguyen', 'Haddad', 'Silva', 'Johnson', 'Cohen', 'Larsen', 'Moreau',
  'Tanaka', 'Brooks', 'Alvarez', 'Kim', 'Murphy', 'Novak', 'Singh', 'Fischer'];

export const AD_PLATFORMS = ['facebook', 'instagram', 'pinterest', 'youtube'] as const;
