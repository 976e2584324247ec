// The ctr writers of startWriters(), in a process of their own so the reader's busy event loop
// cannot hold them back (or burst them). Usage: node _ctr_writers.mjs SOCKET NAMESPACE ROOT SOURCE
// TOGGLED[,TOGGLED…] LABELLED RATE (RATE 0: as fast as ctr goes). Stops on stdin's end; prints its
// log as JSON.
import { execFile } from "node:child_process";
import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

const [socket, namespace, root, source, toggledList, labelled, rateText] = process.argv.slice(2);
const rate = Number(rateText);
const backlogMs = 1000;

// bbolt keeps two meta pages; each holds its txid at offset 16 + 48 of the page.
function committed() {
  const fd = openSync(join(root, "io.containerd.metadata.v1.bolt/meta.db"), "r");
  try {
    const head = Buffer.alloc(65536 * 2);
    readSync(fd, head, 0, head.length, 0);
    const pageSize = head.readUInt32LE(16 + 8);
    return Number(
      head.readBigUInt64LE(64) > head.readBigUInt64LE(pageSize + 64)
        ? head.readBigUInt64LE(64)
        : head.readBigUInt64LE(pageSize + 64),
    );
  } finally {
    closeSync(fd);
  }
}

const ctr = (...args) =>
  new Promise((resolve, reject) =>
    execFile(
      "ctr",
      ["-a", socket, "-n", namespace, ...args],
      (error) => error ? reject(error) : resolve(),
    )
  );

let running = true;
let writes = 0;
const labels = [];
const firstTx = committed();
const started = performance.now();
let origin = started;
let originTx = firstTx;
async function pace() {
  if (!rate) return;
  for (;;) {
    const now = performance.now();
    const done = committed() - originTx;
    const due = origin + (done / rate) * 1000;
    if (due - now < -backlogMs) {
      origin = now - backlogMs;
      originTx += done;
      return;
    }
    if (due <= now) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(due - now, 50)));
  }
}
// One tagger per name: a single client waits on each ctr it runs, and on a loaded machine one ctr
// can take longer than the rate allows; several keep the rate within reach without bursting it.
const taggers = toggledList.split(",").map(async (toggled) => {
  while (running) {
    await pace();
    await ctr("images", "tag", source, toggled);
    await pace();
    await ctr("images", "rm", toggled);
    writes += 2;
  }
});
const labeller = (async () => {
  for (let step = 0; running; step++) {
    await pace();
    labels.push(String(step));
    await ctr("images", "label", labelled, `example.com/step=${step}`);
    writes++;
  }
})();
process.stdin.resume();
process.stdin.on("end", async () => {
  running = false;
  await Promise.all([...taggers, labeller]);
  const seconds = (performance.now() - started) / 1000;
  const transactions = committed() - firstTx;
  process.stdout.write(
    JSON.stringify({
      writes,
      labels,
      transactions,
      seconds,
      transactionsPerSecond: transactions / seconds,
    }),
  );
  process.exit(0);
});
