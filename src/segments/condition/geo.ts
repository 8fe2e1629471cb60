/**
 * Distances for `near`. The home address wins when it has coordinates (traits.address
 * lat/lng, or latitude/longitude); otherwise the last known location, which the profile
 * module keeps from events' context.location (see `lastKnownLocation`).
 */
import type { EvalEvent, EvalProfile } from './types.ts';
import { toNumber } from './coerce.ts';

const EARTH_KM = 6371.0088;
const RAD = Math.PI / 180;

/** Great-circle (haversine) distance in km. */
export function distanceKm(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const dLat = (lat2 - lat1) * RAD, dLng = (lng2 - lng1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

export interface Point { lat: number; lng: number }

function point(lat: unknown, lng: unknown): Point | null {
  const la = toNumber(lat), ln = toNumber(lng);
  if (la === undefined || ln === undefined || la < -90 || la > 90 || ln < -180 || ln > 180) return null;
  return { lat: la, lng: ln };
}

/** The coordinates of the profile's home address, if it has them. */
export function addressPoint(traits: EvalProfile['traits']): Point | null {
  const a = traits.address;
  if (a === null || typeof a !== 'object' || Array.isArray(a)) return null;
  return point(a.lat ?? a.latitude, a.lng ?? a.lon ?? a.longitude);
}

/** Where the profile was last seen: the latest event carrying context.location, or null. */
export function lastKnownLocation(events: readonly EvalEvent[]): { lat: number; lng: number; at: number } | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const loc = events[i].context?.location;
    if (loc === null || typeof loc !== 'object' || Array.isArray(loc)) continue;
    const p = point(loc.latitude, loc.longitude);
    if (p) return { ...p, at: events[i].timestamp };
  }
  return null;
}

export function compileNear(center: Point, km: number, at: 'address' | 'last_location' | undefined): (p: EvalProfile) => boolean {
  return profile => {
    const p = at === 'last_location' ? profile.lastLocation : (addressPoint(profile.traits) ?? (at === 'address' ? null : profile.lastLocation));
    return p !== null && distanceKm(center.lat, center.lng, p.lat, p.lng) <= km;
  };
}
