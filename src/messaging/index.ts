export * from './providers/index.ts';
export * from './templates/index.ts';
