export * from './definition/index.ts';
export * from './policy/index.ts';
