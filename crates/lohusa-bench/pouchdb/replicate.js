// The baseline peers' users know: PouchDB replicating N visit documents of 20 fields to a
// PouchDB server running in its own process (server.js, started by the bench) and back into a
// fresh database, in batches of the size given. Prints one JSON line.
//
// usage: node replicate.js SERVER_URL N BATCH_SIZE
const path = require("path");
const fs = require("fs");
const os = require("os");
const PouchDB = require("pouchdb-node");

async function main() {
  const [base, nText, batchText] = process.argv.slice(2);
  const n = Number(nText || 10000);
  const batch = Number(batchText || 500);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lohusa-pouch-"));
  const url = `${base}/visits-${batch}-${process.pid}`;
  const a = new PouchDB(path.join(dir, "a"));
  const docs = [];
  for (let i = 0; i < n; i++) {
    const doc = {
      _id: `visit-${String(i).padStart(6, "0")}`,
      mother_id: `mother-${i}`,
      number: 1 + (i % 3),
      outcome: "visited",
      visited_on: "2026-11-20",
      visited_at: "10:30",
      visited_by: "Ebe Derya",
      note: "",
      checklist_version: 1,
    };
    for (let k = 0; k < 12; k++) doc[`answers.mother.q${k}`] = 100 + ((i + k) % 50);
    docs.push(doc);
  }
  for (let i = 0; i < docs.length; i += 1000) await a.bulkDocs(docs.slice(i, i + 1000));
  const remote = new PouchDB(url);
  let t = process.hrtime.bigint();
  await PouchDB.replicate(a, remote, { batch_size: batch });
  const push = Number(process.hrtime.bigint() - t) / 1e9;
  const b = new PouchDB(path.join(dir, "b"));
  t = process.hrtime.bigint();
  await PouchDB.replicate(remote, b, { batch_size: batch });
  const pull = Number(process.hrtime.bigint() - t) / 1e9;
  const info = await b.info();
  if (info.doc_count !== n) throw new Error(`pulled ${info.doc_count} of ${n}`);
  console.log(JSON.stringify({ docs: n, batch, push_s: push, pull_s: pull }));
  await remote.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
