// A validator worker thread: an actor that owns the per-symbol state of the symbols hashed to it.
// It reads tick records from its ring, runs the checks, produces valid ticks and rejects to Kafka,
// and only after Kafka acknowledged a batch writes the completions back to the main thread.
// This file only wires the parts (src/ingest/validator/) together; the pool (src/ingest/pool.ts)
// starts it with a WorkerInit (src/ingest/validator-protocol.ts) and calls it over comlink.
import * as Comlink from "comlink";
import { workerData } from "node:worker_threads";
import { loadChecksConfig, Validator } from "../src/checks/index.ts";
import { topics } from "../src/config.ts";
import { Batch } from "../src/ingest/validator/batch.ts";
import { BatchSender } from "../src/ingest/validator/batch-sender.ts";
import { Collector } from "../src/ingest/validator/collector.ts";
import { CompletionWriter } from "../src/ingest/validator/completion-writer.ts";
import { newCounters } from "../src/ingest/validator/counters.ts";
import { ValidatorLoop } from "../src/ingest/validator/loop.ts";
import type { WorkerInit } from "../src/ingest/validator-protocol.ts";
import { tickUnpackr } from "../src/ingest/tick-msgpack.ts";
import { recordPackr } from "../src/kafka/values.ts";
import { Ring } from "../src/ring/index.ts";

const init = workerData as WorkerInit;
const topic = topics(init.config);
const input = new Ring(init.toWorker);
const output = new Ring(init.fromWorker);
const status = new Int32Array(init.status);
const validator = new Validator(loadChecksConfig((init.checksConfig ?? {}) as object));
const packr = recordPackr();
const counters = newCounters();
const batch = new Batch();

const collector = new Collector({
  input, validator, batch, counters, topic, packr,
  unpackr: tickUnpackr(),
});
const sender = new BatchSender({
  worker: init.index, config: init.config, topic, status, counters, packr,
  completions: new CompletionWriter(output, packr),
});
const loop = new ValidatorLoop({ worker: init.index, input, status, validator, batch, collector, sender, counters });

Comlink.expose(loop.api());
