// authing-js-sdk (v2 API) pointed at auditlog: the token exchange, then the
// audit-log and user-action listing calls. Prints one JSON report line that
// authing_compat_test.cc checks.
//
// Env: AUDITLOG_URL, AUTHING_POOL (the tenant), AUTHING_SECRET (an API key),
// AUTHING_START / AUTHING_END (epoch ms, for the time-window call).
const { ManagementClient } = require('authing-js-sdk');

const pool = process.env.AUTHING_POOL;
const host = process.env.AUDITLOG_URL;

function summary(page) {
  return {
    total: page.totalCount,
    logIds: page.list.map((record) => record.logId),
    first: page.list[0] || null,
  };
}

async function main() {
  const report = {};
  const client = new ManagementClient({ userPoolId: pool, secret: process.env.AUTHING_SECRET, host });
  report.auditByIp = summary(
    await client.statistics.listAuditLogs({ clientIp: '111.202.167.58', page: 1, limit: 5 }));
  report.auditByUser = summary(
    await client.statistics.listAuditLogs({ userId: 'svc-ops-automation', page: 2, limit: 2 }));
  report.actionsByUser = summary(await client.statistics.listUserActions(
    { userId: '6139user', eventType: 'login', page: 1, limit: 50 }));
  report.actionsByWindow = summary(await client.statistics.listUserActions({
    clientIp: '111.202.167.58',
    page: 1,
    limit: 50,
    start: Number(process.env.AUTHING_START),
    end: Number(process.env.AUTHING_END),
  }));
  report.userActionList = summary(await client.userAction.list({
    page: 1,
    limit: 10,
    clientIp: '10.0.0.9',
    operationName: 'login',
    operatoArn: `arn:cn:authing:${pool}:user:6139user`,
  }));
  report.otherPoolArn = summary(await client.userAction.list({
    page: 1,
    limit: 10,
    operationName: 'login',
    operatoArn: 'arn:cn:authing:another-pool:user:6139user',
  }));
  // A wrong secret: the exchange fails with Authing's GraphQL error shape.
  try {
    const bad = new ManagementClient({ userPoolId: pool, secret: 'al_not_a_key', host });
    await bad.statistics.listAuditLogs({ page: 1, limit: 1 });
    report.badSecret = 'no error';
  } catch (error) {
    report.badSecret = { code: error.code, message: error.message };
  }
  console.log(JSON.stringify(report));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : JSON.stringify(error));
  process.exit(1);
});
