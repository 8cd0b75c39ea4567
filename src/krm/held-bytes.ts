// The text of the resources a run writes, held as UTF-8 bytes until the output goes out (errors
// must come before any of it). Held as strings, they would sit on V8's heap, where each young
// collection copies them again and their survival makes V8 grow its young generation: memory
// first touched (and paid for) for nothing. As bytes in a few large buffers, off that heap,
// they are encoded once, as writing them needs anyway, and never moved.

/** Where texts go: large buffers, each filled from its start, never written over. */
const CHUNK = 1 << 20;
let chunk: Buffer | undefined;
let used = 0;

/**
 * The pieces' text as UTF-8 bytes: a view of a buffer shared with other texts held so. (Pieces,
 * not their joined text: each is encoded where it goes, and no joined copy is made.)
 */
export function heldBytes(pieces: readonly string[]): Buffer {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  // UTF-8 takes at most three bytes per UTF-16 unit.
  if (chunk === undefined || used + length * 3 > chunk.length) {
    chunk = Buffer.allocUnsafe(Math.max(CHUNK, length * 3));
    used = 0;
  }
  const start = used;
  for (const piece of pieces) used += chunk.write(piece, used);
  return chunk.subarray(start, used);
}
