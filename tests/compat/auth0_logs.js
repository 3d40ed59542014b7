// Drives auditlog's Auth0 logs dialect with Auth0's official Node client:
// npm `auth0` 7.x and its bundled v4 client (`auth0/legacy`), pointed at the
// server the C++ test started (auth0_compat_test.cc). Prints one JSON line
// with what each call returned; the C++ test checks the values.
//
// Env: AUDITLOG_HOST (host:port), AUTH0_KEY (an auditlog API key with
// events:read), AUTH0_USER (a user id with `|`), AUTH0_LOG_ID (a stored
// log_id), AUTH0_FIRST_ID (where the checkpoint walks start).
'use strict';

const { ManagementClient } = require('auth0');
const Legacy = require('auth0/legacy');

const domain = process.env.AUDITLOG_HOST;
const token = process.env.AUTH0_KEY;
const user = process.env.AUTH0_USER;
const logId = process.env.AUTH0_LOG_ID;
const firstId = process.env.AUTH0_FIRST_ID;

const client = new ManagementClient({ domain, token });
const legacy = new Legacy.ManagementClient({ domain, token });

// The `from` and `take` of a Link header's rel="next" URL.
function nextOf(link) {
  const match = /<([^>]+)>;\s*rel="next"/.exec(link || '');
  if (!match) throw new Error(`no rel="next" in Link header: ${link}`);
  const url = new URL(match[1]);
  return { url: match[1], from: url.searchParams.get('from'), take: Number(url.searchParams.get('take')) };
}

function ids(logs) {
  return logs.map((log) => log.log_id);
}

async function errorOf(call) {
  try {
    await call();
    return { thrown: false };
  } catch (err) {
    const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
    return {
      thrown: true,
      name: err.name,
      statusCode: err.statusCode,
      errorCode: err.errorCode,
      message: body && body.message,
      body,
    };
  }
}

async function main() {
  const report = {};

  // The seed's own call, as printed: 7.x reads snake_case keys only, so it
  // sends page=1&per_page=50&sort=date:-1&include_totals=true.
  const seed = await client.users.logs.list(user, { page: 1, perPage: 1, sort: 'date:-1', includeTotals: true });
  report.seed = { response: seed.response, data: ids(seed.data) };

  const users7 = await client.users.logs.list(user, { page: 0, per_page: 10, sort: 'date:-1', include_totals: true });
  report.users7 = {
    start: users7.response.start, limit: users7.response.limit, length: users7.response.length,
    total: users7.response.total, ids: ids(users7.data),
    dates: users7.data.map((log) => log.date), users: users7.data.map((log) => log.user_id),
  };

  const search7 = await client.logs.list({ search: 'type:"f"', page: 0, per_page: 100, include_totals: true });
  report.search7 = { total: search7.response.total, ids: ids(search7.data), types: search7.data.map((log) => log.type) };

  // Unquoted, as a person types it: starts-with, so type f finds fp too;
  // connection_id is kept in details by the decoder and found there.
  const searchUnquoted7 = await client.logs.list({
    search: 'type:f connection_id:con_', page: 0, per_page: 100, include_totals: true,
  });
  report.searchUnquoted7 = {
    total: searchUnquoted7.response.total, ids: ids(searchUnquoted7.data),
    types: searchUnquoted7.data.map((log) => log.type),
    connections: searchUnquoted7.data.map((log) => log.connection_id),
  };

  const legacyQ = await legacy.logs.getAll({ q: 'type:"f"', page: 0, per_page: 5, sort: 'date:-1', include_totals: true });
  report.legacyQ = {
    status: legacyQ.status, total: legacyQ.data.total, length: legacyQ.data.length,
    ids: ids(legacyQ.data.logs), dates: legacyQ.data.logs.map((log) => log.date),
  };

  const legacyUsers = await legacy.users.getLogs({ id: user, page: 0, per_page: 3, sort: 'date:1', include_totals: true });
  report.legacyUsers = { total: legacyUsers.data.total, ids: ids(legacyUsers.data.logs) };

  report.get7 = await client.logs.get(logId);
  report.legacyGet = (await legacy.logs.get({ id: logId })).data;

  // Checkpoint, legacy: getAll({from, take}) gives {data, headers, status};
  // follow Link until a page comes back empty.
  {
    const walk = { ids: [], pages: 0, lastLinkRepeats: false };
    let from = firstId;
    let take = 5;
    for (let guard = 0; guard < 100; ++guard) {
      const page = await legacy.logs.getAll({ from, take });
      walk.pages += 1;
      const next = nextOf(page.headers.get ? page.headers.get('link') : page.headers.link);
      if (page.data.length === 0) {
        walk.lastLinkRepeats = next.from === from && next.take === take;
        walk.lastLink = next.url;
        break;
      }
      walk.ids.push(...ids(page.data));
      ({ from, take } = next);
    }
    report.walkLegacy = walk;
  }

  // Checkpoint, 7.x: no typed from/take, so queryParams; the bare array is
  // in page.response (page.data reads response.logs and is empty).
  {
    const walk = { ids: [], pages: 0, dataLengths: [] };
    let from = firstId;
    let take = 4;
    for (let guard = 0; guard < 100; ++guard) {
      const page = await client.logs.list({}, { queryParams: { from, take } });
      walk.pages += 1;
      walk.dataLengths.push(page.data.length);
      const next = nextOf(page.rawResponse.headers.get('link'));
      if (!Array.isArray(page.response) || page.response.length === 0) break;
      walk.ids.push(...ids(page.response));
      ({ from, take } = next);
    }
    report.walk7 = walk;
  }

  report.error7 = await errorOf(() => client.logs.list({}, { queryParams: { q: 'nope:1' } }));
  report.errorLegacy = await errorOf(() => legacy.logs.getAll({ q: 'type:(f' }));
  report.notFound7 = await errorOf(() => client.logs.get('no-such-log'));
  report.unauthorized7 = await errorOf(() =>
    new ManagementClient({ domain, token: 'wrong-key' }).logs.list({ per_page: 1 }));

  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  if (err && err.body) process.stderr.write(`body: ${JSON.stringify(err.body)}\n`);
  process.exit(1);
});
