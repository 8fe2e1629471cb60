// Worker threads do not inherit the loader registered in the main thread; register it here.
import { register } from 'tsx/esm/api';
register();
await import('./pglite-host.ts');
