// Compression codecs for Kafka record batches. kafkajs ships GZIP only; Bun has zstd built in, so it
// is registered as kafkajs's ZSTD codec. Registration is per process and per worker thread, which is
// why client.ts imports this module: every thread that builds a client can read zstd batches.
import { CompressionCodecs, CompressionTypes } from "kafkajs";
import type { Compression } from "../config.ts";

CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  async compress(encoder: { buffer: Buffer }) {
    return Buffer.from(Bun.zstdCompressSync(encoder.buffer, { level: 1 }));
  },
  async decompress(buffer: Buffer) {
    return Buffer.from(Bun.zstdDecompressSync(buffer));
  },
});

export const compressionType: Record<Compression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  zstd: CompressionTypes.ZSTD,
};

