export { createOmnis, type Omnis, type OmnisOptions } from './omnis.ts';
export { simulateJourney, type SimulateInput, type TraceEntry } from './simulate.ts';
export { DEFAULT_WORKSPACE, ensureWorkspace, WorkspaceSettings } from './workspaces.ts';
