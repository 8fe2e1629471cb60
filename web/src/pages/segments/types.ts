import type { Cond } from '../../components/ConditionEditor.tsx';

export interface Segment {
  id: string; name: string; description: string | null; condition: Cond; status: 'computing' | 'ready';
  progress: { done: number; total: number }; size: number; version: number; createdAt: string; updatedAt: string;
}

export interface Person { id?: string; profileId?: string; name: string | null; email: string | null; phone: string | null; userId: string | null }

export interface Preview {
  count: number; estimated: boolean; total: number; sample: string[];
  reachable: Record<string, number>;
  sampleProfiles: (Person & { id: string })[];
}

export interface Usage {
  segments: { id: string; name: string; paths: string[] }[];
  journeys: { id: string; name: string; status: string; paths: string[] }[];
}

/** How a person would recognise a profile: its name, else an email, phone or user id. */
export const label = (p: Person) => p.name ?? p.email ?? p.phone ?? p.userId ?? p.id ?? p.profileId ?? '–';
