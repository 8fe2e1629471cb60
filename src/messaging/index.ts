export * from './providers/index.ts';
export * from './templates/index.ts';
export * from './outbox/index.ts';
export * from './channels/index.ts';
