// The PouchDB server of the baseline, in its own process as CouchDB or a PouchDB server is
// deployed: express-pouchdb on loopback over LevelDB files in the folder given. Prints one JSON
// line with its port, then serves until it is stopped (SIGTERM, or its standard input closes).
const path = require("path");
const PouchDB = require("pouchdb-node");
const express = require("express");

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node server.js FOLDER");
  process.exit(2);
}
const ServerDB = PouchDB.defaults({ prefix: path.join(dir, "server-") });
const app = express();
app.use("/", require("express-pouchdb")(ServerDB, { logPath: path.join(dir, "log.txt"), mode: "minimumForPouchDB" }));
const server = app.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.stdin.on("end", stop);
process.stdin.resume();
