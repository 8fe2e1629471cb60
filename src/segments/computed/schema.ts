import { z } from 'zod';
import { durationSchema, issueError, nameString, propertyFilterSchema } from '../condition/index.ts';
import { COMPUTED_KINDS, NEEDS_PROPERTY, type ComputedTraitDef } from './types.ts';
import { BUILTIN_NAMES } from './builtins.ts';

export const computedTraitSchema = z.strictObject({
  name: z.string({ error: 'name is required' })
    .regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'name must be snake_case: a lowercase letter, then letters, digits or _ (at most 64)' })
    .refine(n => !BUILTIN_NAMES.has(n), { error: iss => `${JSON.stringify(iss.input)} is a built-in computed trait` }),
  kind: z.enum(COMPUTED_KINDS, {
    error: iss => iss.input === undefined ? `kind is required; expected one of ${COMPUTED_KINDS.join(', ')}` : `unknown kind ${JSON.stringify(iss.input)}; expected one of ${COMPUTED_KINDS.join(', ')}`,
  }),
  event: nameString('event name'),
  property: nameString('property').refine(p => p.split('.').every(Boolean), { error: 'property must be a dotted path like "products.price"' }).optional(),
  where: z.array(propertyFilterSchema, { error: 'where must be an array of property filters' }).max(50, { error: 'where takes at most 50 filters' }).optional(),
  within: durationSchema().optional(),
  channel: nameString('channel').optional(),
}).superRefine((d, ctx) => {
  if (NEEDS_PROPERTY.has(d.kind) && d.property === undefined) ctx.addIssue({ code: 'custom', path: ['property'], message: `"${d.kind}" needs a property to aggregate` });
  if (d.kind === 'count' && d.property !== undefined) ctx.addIssue({ code: 'custom', path: ['property'], message: '"count" counts events; filter them with "where" instead' });
});

/** Validates a computed-trait definition; throws `invalid(path, message)` naming the first problem. */
export function parseComputedTrait(input: unknown, field = 'computedTrait'): ComputedTraitDef {
  const r = computedTraitSchema.safeParse(input);
  if (!r.success) throw issueError(r.error.issues, field, 'a computed trait', Object.keys(computedTraitSchema.shape));
  return r.data;
}
