// Where the next record goes, from the two offsets alone. Shared by the producer's `reserve` (one
// record) and `canWrite` (a whole batch, conservatively).
import { ALIGN, RECORD_HEADER_BYTES } from "./layout.ts";

/** Results of `fit`. Small integers, not strings: `fit` runs once per record written. */
export const NO_ROOM = 0;
export const FITS = 1;
export const FITS_AFTER_WRAP = 2;

/** Bytes a record with `payloadLength` payload bytes takes in the ring: header + payload, aligned. */
export function recordBytes(payloadLength: number): number {
  return (RECORD_HEADER_BYTES + payloadLength + ALIGN - 1) & -ALIGN;
}

/**
 * Where `n` (aligned) record bytes go from write offset `wr` given read offset `rd` in a data
 * region of `capacity` bytes: contiguously, at offset 0 after a PAD (wasting the tail), or nowhere.
 * One ALIGN unit always stays free so that WRITE == READ means empty only.
 */
export function fit(n: number, wr: number, rd: number, capacity: number): number {
  if (wr < rd) return n < rd - wr ? FITS : NO_ROOM;
  const tail = capacity - wr;
  // Filling the tail exactly moves WRITE to 0, which is only allowed if READ isn't there.
  if (n < tail || (n === tail && rd !== 0)) return FITS;
  return n < rd ? FITS_AFTER_WRAP : NO_ROOM;
}
