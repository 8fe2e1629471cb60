/**
 * Touchpoints: which stored events are marketing contacts, and through which channel, by a
 * per-workspace taxonomy of ordered rules compiled to SQL.
 */
export { type Condition, type ConditionOp, type Rule, type Taxonomy, type StoredTaxonomy, type ChannelInfo, type Scalar, CONDITION_OPS, DIRECT } from './types.ts';
export { DEFAULT_RULES, DEFAULT_CONVERSION_EVENT, defaultTaxonomy } from './defaults.ts';
export { FIELD_HELP, fieldProblem, fieldSql, URL_SQL, REFERRER_SQL, type UrlRefs } from './fields.ts';
export { allSql, conditionSql, offlineChannels, touchpointCase, touchpointSql, inlineFields, FieldColumns, type FieldReader } from './compile.ts';
export { parseTaxonomy, parseCondition, CHANNEL_NAME_RE } from './validate.ts';
export { getTaxonomy, setTaxonomy, checkPattern } from './repo.ts';
export { classifyEvents, type ClassifiedEvent } from './preview.ts';
export { classifySql } from './classify.ts';
export { refreshTouches, rulesHash, CLASSIFY_CHUNK, type CatchUp } from './cache.ts';
