/** Analytics: the public face of the module. Other modules import from here only. */
export * from './attribution/index.ts';
