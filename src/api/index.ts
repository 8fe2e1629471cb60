export { buildServer, type ServerOptions } from './server.ts';
export { errorHandler, STATUS } from './errors.ts';
