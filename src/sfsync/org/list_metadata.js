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

// query rows without their `attributes` (type and URL of each record: not used, and most of
// the bytes of an answer of 20,000 ids)
function bare(records) {
  return (records || []).map((record) => {
    const { attributes, ...fields } = record || {};
    for (const [name, value] of Object.entries(fields)) {
      if (value && typeof value === 'object' && value.attributes) {
        const { attributes: inner, ...rest } = value;
        fields[name] = rest;
      }
    }
    return fields;
  });
}

// An error as JSON: its name (or the org's error code), its message, and what caused it (a
// failed connection is undici's `fetch failed` with `cause: connect ECONNREFUSED host:port`)
function errorOf(error, name) {
  const cause = error && error.cause;
  return {
    name: String(name || (error && (error.errorCode || error.name)) || 'Error'),
    message: String(error && error.message),
    cause: cause ? String(cause.message || cause) : '',
  };
}

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
        answers[index] = { totalSize: found.totalSize, done: found.done, records: bare(found.records) };
      } catch (error) {
        answers[index] = { error: errorOf(error) };
      }
    }
  }
  const askers = Math.max(1, Math.min(input.concurrency || 8, soql.length));
  if (soql.length) {
    await Promise.all(Array.from({ length: askers }, asker));
  }
  // a change query with `ids`: when the count is not the last count plus the rows created
  // since, something was deleted, and every id still there is asked at once
  for (let index = 0; index < soql.length; index++) {
    const then = soql[index].ids;
    const rows = answers[index];
    const counted = then ? answers[then.countIndex] : null;
    if (!then || !rows || rows.error || !counted || counted.error) {
      continue;
    }
    const since = Date.parse(then.since);
    const created = rows.records.filter((r) => Date.parse(String(r.CreatedDate || '').replace(/\+0000$/, 'Z')) >= since);
    if (counted.totalSize === then.count + created.length) {
      continue;
    }
    try {
      const api = soql[index].tooling ? conn.tooling : conn;
      const found = await api.query(then.q, { autoFetch: true, maxFetch: 10000000 });
      rows.ids = { totalSize: found.totalSize, done: found.done, records: bare(found.records) };
    } catch (error) {
      rows.ids = { error: errorOf(error) };
    }
  }
  const queries = (input.queries || []).filter((q) => !known || q.always || known.has(q.type));
  const results = new Array(queries.length);
  // listMetadata takes up to three queries a call: the types without a folder go three at a
  // time (their entries told apart by type); a call that fails, or answers a type it was not
  // asked, is asked again one query at a time
  const groups = [];
  let batch = [];
  queries.forEach((query, index) => {
    if (query.folder || query.always) {
      groups.push([index]);
      return;
    }
    batch.push(index);
    if (batch.length === 3) {
      groups.push(batch);
      batch = [];
    }
  });
  if (batch.length) {
    groups.push(batch);
  }
  const asked = (query) => (query.folder ? { type: query.type, folder: query.folder } : { type: query.type });
  const failed = (query, error) => ({
    type: query.type,
    folder: query.folder || null,
    error: errorOf(error, String(error && error.name)),
  });
  async function one(index) {
    const query = queries[index];
    try {
      const found = await conn.metadata.list(asked(query), apiVersion || undefined);
      const entries = Array.isArray(found) ? found : found ? [found] : [];
      results[index] = { type: query.type, folder: query.folder || null, entries };
    } catch (error) {
      results[index] = failed(query, error);
    }
  }
  async function many(group) {
    if (group.length === 1) {
      return one(group[0]);
    }
    let found;
    try {
      found = await conn.metadata.list(group.map((i) => asked(queries[i])), apiVersion || undefined);
    } catch (error) {
      for (const index of group) {
        await one(index);
      }
      return;
    }
    const entries = Array.isArray(found) ? found : found ? [found] : [];
    const byType = new Map(group.map((i) => [queries[i].type, []]));
    for (const entry of entries) {
      const list = byType.get(entry && entry.type);
      if (!list) {
        for (const index of group) {
          await one(index);
        }
        return;
      }
      list.push(entry);
    }
    for (const index of group) {
      results[index] = { type: queries[index].type, folder: null, entries: byType.get(queries[index].type) };
    }
  }
  let next = 0;
  async function worker() {
    while (next < groups.length) {
      const group = groups[next++];
      await many(group);
    }
  }
  const workers = Math.max(1, Math.min(input.concurrency || 8, groups.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return { status: 0, result: { describe: described, results, soql: answers } };
}

main()
  .then((answer) => {
    process.stdout.write(JSON.stringify(answer));
    process.exitCode = answer.status;
  })
  .catch((error) => {
    process.stdout.write(JSON.stringify({ status: 1, ...errorOf(error, error && error.name) }));
    process.exitCode = 1;
  });
