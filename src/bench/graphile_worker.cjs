// One round of `labelflow bench timers --graphile-worker DIR`: queues
// JOBS jobs in graphile-worker's own schema, then times a worker with
// CONCURRENCY slots from its start to the last job's success. The task does
// nothing, so only the queue's own work is measured. With `batched` as the
// third argument, the worker runs in its batched mode (its documentation's
// performance page): jobs fetched and locked 500 at a time into a local
// queue, completions written together.
const { run, makeWorkerUtils, Logger } = require("graphile-worker");
const { EventEmitter } = require("events");

async function main() {
  const url = process.env.GRAPHILE_BENCH_URL;
  const jobs = Number(process.argv[2]);
  const concurrency = Number(process.argv[3] || "1");
  const batched = process.argv[4] === "batched";
  const quiet = new Logger(() => () => {});
  const utils = await makeWorkerUtils({ connectionString: url, logger: quiet });
  await utils.migrate();
  const specs = Array.from({ length: jobs }, (_, i) => ({ identifier: "fire", payload: { i } }));
  for (let k = 0; k < specs.length; k += 2000) {
    await utils.addJobs(specs.slice(k, k + 2000));
  }
  await utils.release();
  const events = new EventEmitter();
  let done = 0;
  let failed = 0;
  const finished = new Promise((resolve) => {
    events.on("job:success", () => {
      done += 1;
      if (done === jobs) resolve();
    });
    events.on("job:error", () => {
      failed += 1;
    });
  });
  const started = process.hrtime.bigint();
  const runner = await run({
    connectionString: url,
    concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: quiet,
    events,
    taskList: { fire: async () => {} },
    preset: batched
      ? { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } }
      : undefined,
  });
  await finished;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await runner.stop();
  console.log(`graphile-worker ${done} ${seconds} ${failed}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
