export type {
  Condition, ConditionKind, Comparison, Operator, CountOperator, CountFilter, PropertyFilter,
  AllCondition, AnyCondition, NotCondition, TraitCondition, EventCondition, ComputedCondition,
  NearCondition, ConsentCondition, ReachableCondition, SegmentCondition, SampleCondition,
  EvalEvent, EvalProfile, EvalInput, EvalResult, EventIndex, EventRef,
} from './types.ts';
export { OPERATORS, COUNT_OPERATORS, CONDITION_KINDS, ANY_EVENT, MAX_DEPTH, MAX_NODES, kindOf } from './types.ts';
export { parseCondition, conditionSchema, propertyFilterSchema, durationSchema, nameString, issueError, type ParseOptions } from './schema.ts';
export { evaluate, compile, type CompiledCondition } from './evaluate.ts';
export { requirements, dependsOn, findSegmentCycle, checkSegmentRefs, type Requirements, type SegmentChecks } from './refs.ts';
export { indexEvents, firstAfter } from './node.ts';
export { compileWhere, compileBase, windowOf, INTERNAL_CHANNEL, type Window, type EventTest } from './events.ts';
export { compileComparison, compileCount, type ValueTest } from './compare.ts';
export { getPath, splitPath } from './path.ts';
export { toNumber, toTime, isScalar, type Scalar } from './coerce.ts';
export { distanceKm, lastKnownLocation, addressPoint } from './geo.ts';
export { sampleBucket, fnv1a } from './sample.ts';
export { conditionSql, type SqlDecision, type SqlCount } from './sql.ts';
