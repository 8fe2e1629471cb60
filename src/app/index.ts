export { createOmnis, type Omnis, type OmnisOptions } from './omnis.ts';
export { DEFAULT_WORKSPACE, ensureWorkspace, WorkspaceSettings } from './workspaces.ts';
