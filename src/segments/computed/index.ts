export { COMPUTED_KINDS, NEEDS_PROPERTY, type ComputedKind, type ComputedTraitDef, type ComputedTrait, type TraitResult } from './types.ts';
export { computedTraitSchema, parseComputedTrait } from './schema.ts';
export { compileComputedTrait, computeTrait, computeTraits } from './compute.ts';
export { BUILTIN_TRAITS, BUILTIN_NAMES, lifetimeValue, orderCount, lastPurchaseAt, preferredChannel, favoriteCategory, preferredSize } from './builtins.ts';
