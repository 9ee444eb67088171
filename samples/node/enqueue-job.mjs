// Puts one PromptQueue job on the job queue from Node.js, as a service in another language would.
//
//   node samples/node/enqueue-job.mjs --prompt "Why is the sky blue?" [--base64]
//   node samples/node/enqueue-job.mjs --file job.json --connection-string "..." --queue prompt-jobs
//
// The connection string comes from --connection-string or AZURE_STORAGE_CONNECTION_STRING (AzureWebJobsStorage
// is read too); the queue from --queue or PROMPTQ_QUEUE, default prompt-jobs. Prints the job's id on stdout.
//
// The message is the job's JSON as is; --base64 sends it base64-encoded instead. The worker reads both: base64 is
// there for tools and older SDKs that encode queue messages by default.
import { readFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { QueueClient } from "@azure/storage-queue";

const { values } = parseArgs({
  options: {
    "connection-string": { type: "string" },
    queue: { type: "string" },
    prompt: { type: "string" },
    file: { type: "string" },
    model: { type: "string" },
    base64: { type: "boolean", default: false },
  },
});

const connectionString =
  values["connection-string"] ?? process.env.AZURE_STORAGE_CONNECTION_STRING ?? process.env.AzureWebJobsStorage;
const queueName = values.queue ?? process.env.PROMPTQ_QUEUE ?? "prompt-jobs";
if (!connectionString || (!values.prompt && !values.file)) {
  console.error(
    "usage: enqueue-job.mjs (--prompt TEXT | --file JOB.json) [--model ID] [--base64] " +
      "[--connection-string CS | env AZURE_STORAGE_CONNECTION_STRING] [--queue NAME | env PROMPTQ_QUEUE]",
  );
  process.exit(64);
}

const job = values.file ? JSON.parse(await readFile(values.file, "utf8")) : { prompt: values.prompt };
if (values.model) {
  job.model = values.model;
}

// An id the caller knows is how it finds the job later. It must be unguessable (anyone holding it can read the
// answer), so it carries 80 random bits, as the .NET client's ids do.
job.id ??= `job-${Date.now().toString(36)}-${randomBytes(10).toString("hex")}`;

const text = JSON.stringify(job);
const message = values.base64 ? Buffer.from(text, "utf8").toString("base64") : text;
if (Buffer.byteLength(message, "utf8") > 64 * 1024) {
  console.error(`the job is ${Buffer.byteLength(message, "utf8")} bytes as a queue message; the limit is 65536. Submit it over HTTP instead.`);
  process.exit(65);
}

// A job must not expire unread while the worker is paused: -1 keeps the message until it is processed.
await new QueueClient(connectionString, queueName).sendMessage(message, { messageTimeToLive: -1 });
console.log(job.id);
