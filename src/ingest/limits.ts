/** Segment's documented limits, which real SDKs are built to respect. */
export const LIMITS = {
  eventBytes: 32 * 1024,
  batchBytes: 500 * 1024,
  batchEvents: 2500,
  properties: 300,
  messageIdChars: 100,
  /** Deeper nesting than this is a bug or an attack, not customer data. */
  depth: 32,
  stringChars: 64 * 1024,
} as const;
