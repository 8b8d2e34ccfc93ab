// The baseline peers' users know: PouchDB replicating N visit documents of 20 fields to an
// express-pouchdb server on loopback and back into a fresh database. Prints one JSON line.
const path = require("path");
const fs = require("fs");
const os = require("os");
const PouchDB = require("pouchdb-node");
const express = require("express");

async function main() {
  const n = Number(process.argv[2] || 10000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lohusa-pouch-"));
  const ServerDB = PouchDB.defaults({ prefix: path.join(dir, "server-") });
  const app = express();
  app.use("/", require("express-pouchdb")(ServerDB, { logPath: path.join(dir, "log.txt"), mode: "minimumForPouchDB" }));
  const server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const url = `http://127.0.0.1:${server.address().port}/visits`;
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
  await PouchDB.replicate(a, remote, { batch_size: 500 });
  const push = Number(process.hrtime.bigint() - t) / 1e9;
  const b = new PouchDB(path.join(dir, "b"));
  t = process.hrtime.bigint();
  await PouchDB.replicate(remote, b, { batch_size: 500 });
  const pull = Number(process.hrtime.bigint() - t) / 1e9;
  const info = await b.info();
  if (info.doc_count !== n) throw new Error(`pulled ${info.doc_count} of ${n}`);
  console.log(JSON.stringify({ docs: n, push_s: push, pull_s: pull }));
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
