// Shared-memory layout of one ring: a header of named Int32 slots, then the data region.
//
//   byte 0     WRITE     producer's published write offset   (written by producer only)
//   byte 64    READ      consumer's released read offset     (written by consumer only)
//   byte 128   SLEEPING  1 while the consumer waits on WRITE (written by consumer only)
//   byte 192   MAGIC, CAPACITY   set once by Ring.init, read by every Ring constructed over the SAB
//   byte 256   data region: `capacity` bytes of records
//
// Each hot slot sits on its own 64-byte cache line so the producer's stores to WRITE don't
// invalidate the line the consumer keeps loading READ from (false sharing), and vice versa.

/** Int32 slot indices into the header (`new Int32Array(sab, byteOffset, HEADER_SLOTS)`). */
export const WRITE = 0;
export const READ = 16;
export const SLEEPING = 32;
export const MAGIC = 48;
export const CAPACITY = 49;
export const HEADER_SLOTS = 64;
export const HEADER_BYTES = HEADER_SLOTS * 4;

/** Written into MAGIC by Ring.init; a Ring refuses memory that does not carry it. */
export const RING_MAGIC = 0x52494e47; // "RING"

/** Records start on ALIGN-byte boundaries so their Int32 length header can be read directly. */
export const ALIGN = 4;
/** Every record: Int32 payload length, then the payload, then zero to three bytes of padding. */
export const RECORD_HEADER_BYTES = 4;
/**
 * A length header holding PAD means "nothing more before the end of the data region: go to 0".
 * Records never wrap; a record that doesn't fit in the tail is written at offset 0 instead.
 */
export const PAD = -1;

/** Smallest data region accepted: room for a few records of a useful size. */
export const MIN_CAPACITY = 64;
