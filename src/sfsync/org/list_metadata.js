// listMetadata of many types in one process, with the sf CLI's own library and login.
//
// sfsync runs it from sfsync/org/sf.py as: node list_metadata.js SF_ROOT ORG [API_VERSION]
// with {"describe": bool, "concurrency": n, "queries": [{type, folder?, always?}],
// "soql": [{q, tooling}]} on stdin.
// SF_ROOT is the folder of the installed sf CLI; @salesforce/core is loaded from there, so the
// login is the one `sf` itself uses and no token passes through sfsync. Answers one JSON
// object on stdout: {status: 0, result: {describe, results: [{type, folder, entries|error}],
// soql: [{totalSize, records, done}|{error}]}}. The SOQL queries (the data or the Tooling API,
// every page) run before the listMetadata calls.
// With `describe`, describeMetadata runs first and only the queries of types the org knows
// (or marked `always`: folder types, which describeMetadata does not list) are sent.
'use strict';

const fs = require('node:fs');

async function main() {
  const [, , sfRoot, org, apiVersion] = process.argv;
  let core;
  try {
    core = require(require.resolve('@salesforce/core', { paths: [sfRoot] }));
  } catch (error) {
    return { status: 1, name: 'LibraryNotFound', message: String(error && error.message) };
  }
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  const state = await core.StateAggregator.getInstance();
  const username = state.aliases.getUsername(org) || org;
  const authInfo = await core.AuthInfo.create({ username });
  const conn = await core.Connection.create({ authInfo });
  if (apiVersion) {
    conn.setApiVersion(apiVersion);
  }
  let described = null;
  let known = null;
  if (input.describe) {
    described = await conn.metadata.describe(apiVersion || undefined);
    known = new Set();
    for (const object of described.metadataObjects || []) {
      known.add(object.xmlName);
      for (const child of object.childXmlNames || []) {
        known.add(child);
      }
    }
  }
  const soql = input.soql || [];
  const answers = new Array(soql.length);
  let nextSoql = 0;
  async function asker() {
    while (nextSoql < soql.length) {
      const index = nextSoql++;
      const ask = soql[index];
      try {
        const api = ask.tooling ? conn.tooling : conn;
        const found = await api.query(ask.q, { autoFetch: true, maxFetch: 10000000 });
        answers[index] = { totalSize: found.totalSize, done: found.done, records: found.records || [] };
      } catch (error) {
        answers[index] = {
          error: { name: String((error && (error.errorCode || error.name)) || 'Error'), message: String(error && error.message) },
        };
      }
    }
  }
  const askers = Math.max(1, Math.min(input.concurrency || 8, soql.length));
  if (soql.length) {
    await Promise.all(Array.from({ length: askers }, asker));
  }
  const queries = (input.queries || []).filter((q) => !known || q.always || known.has(q.type));
  const results = new Array(queries.length);
  let next = 0;
  async function worker() {
    while (next < queries.length) {
      const index = next++;
      const query = queries[index];
      const asked = query.folder ? { type: query.type, folder: query.folder } : { type: query.type };
      try {
        const found = await conn.metadata.list(asked, apiVersion || undefined);
        const entries = Array.isArray(found) ? found : found ? [found] : [];
        results[index] = { type: query.type, folder: query.folder || null, entries };
      } catch (error) {
        results[index] = {
          type: query.type,
          folder: query.folder || null,
          error: { name: String(error && error.name), message: String(error && error.message) },
        };
      }
    }
  }
  const workers = Math.max(1, Math.min(input.concurrency || 8, queries.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return { status: 0, result: { describe: described, results, soql: answers } };
}

main()
  .then((answer) => {
    process.stdout.write(JSON.stringify(answer));
    process.exitCode = answer.status;
  })
  .catch((error) => {
    const name = String((error && error.name) || 'Error');
    process.stdout.write(JSON.stringify({ status: 1, name, message: String(error && error.message) }));
    process.exitCode = 1;
  });
