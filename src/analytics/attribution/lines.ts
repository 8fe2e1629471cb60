/** Line sources for the readers: a whole text, any iterable of lines, or a file streamed from disk. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export type LineSource = string | Iterable<string> | AsyncIterable<string>;

export async function* linesOf(source: LineSource): AsyncGenerator<string> {
  if (typeof source === 'string') {
    let from = 0;
    while (from <= source.length) {
      let to = source.indexOf('\n', from);
      if (to < 0) to = source.length;
      const line = source.slice(from, to);
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
      from = to + 1;
    }
    return;
  }
  for await (const line of source) yield line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Streams a file line by line, so a large export never sits in memory as one string. */
export async function* fileLines(path: string): AsyncGenerator<string> {
  // Created on first pull: readline drops lines emitted before anyone iterates.
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
  }
}
