/**
 * The demo: the workspace `npm start` opens on (seed.ts) and the behaviour simulator that
 * feeds it, or any server, through the public tracking API (simulator.ts, live.ts).
 */
export { seedDemo, demoKeys, readKeysFile, writeKeysFile, DEMO_JOURNEYS, type SeedOptions, type SeedResult, type KeysFile } from './seed.ts';
export { DEMO_SEGMENTS, DEMO_POLICY, DEMO_CHANNELS, demoSpend } from './workspace.ts';
export { BRAND, SHOWROOM, PRODUCTS, SOURCES, SOURCE_CHANNEL, type DemoKeys, type Source } from './brand.ts';
export { PLANTED_EFFECTS, EXPOSURES, buyRate, describeEffects, type Exposure, type PlantedEffect } from './effects.ts';
export { customerStory, type SimEvent, type SimCustomer, type StoryInput } from './model.ts';
export {
  population, simulatePopulation, runSimulation, truthOf, tagOf,
  type PopulationOptions, type SimulationOptions, type SimulationResult, type Truth, type Chunk,
} from './simulator.ts';
export { startGentleSimulator, type GentleOptions, type GentleSimulator, type GentleStats } from './live.ts';
export { Sender, IngestError, type SenderOptions, type SendStats } from './sender.ts';
