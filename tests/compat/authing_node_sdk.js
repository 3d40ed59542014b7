// authing-node-sdk (v3 API) pointed at auditlog: every request carries
// Authing's HMAC-SHA1 signature. Prints one JSON report line that
// authing_compat_test.cc checks.
//
// Env: AUDITLOG_URL, AUTHING_KEY_ID (the API key's id), AUTHING_SECRET (the
// API key), AUTHING_START / AUTHING_END (epoch ms).
const { ManagementClient } = require('authing-node-sdk');

const host = process.env.AUDITLOG_URL;

function summary(answer) {
  return {
    statusCode: answer.statusCode,
    total: answer.data.totalCount,
    list: answer.data.list,
  };
}

async function main() {
  const report = {};
  const client = new ManagementClient({
    accessKeyId: process.env.AUTHING_KEY_ID,
    accessKeySecret: process.env.AUTHING_SECRET,
    host,
  });
  report.adminByUser = summary(await client.getAdminAuditLogs(
    { userId: 'svc-ops-automation', pagination: { page: 1, limit: 50 } }));
  report.adminByCategory = summary(await client.getAdminAuditLogs(
    { userId: 'svc-ops-automation', resourceType: 'DATA', pagination: { page: 1, limit: 10 } }));
  report.adminByResourceName = summary(await client.getAdminAuditLogs(
    { userId: 'svc-ops-automation', resourceType: 'user', pagination: { page: 1, limit: 10 } }));
  report.adminFailures = summary(await client.getAdminAuditLogs(
    { userId: 'svc-ops-automation', success: false, pagination: { page: 1, limit: 10 } }));
  report.actionFailures = summary(await client.getUserActionLogs({
    userId: '6139user',
    eventType: 'login',
    success: false,
    pagination: { page: 1, limit: 10 },
  }));
  report.loginHistory = summary(await client.getUserLoginHistory({
    userId: '6139user',
    start: Number(process.env.AUTHING_START),
    end: Number(process.env.AUTHING_END),
    page: 1,
    limit: 4,
  }));
  try {
    const bad = new ManagementClient({
      accessKeyId: process.env.AUTHING_KEY_ID,
      accessKeySecret: 'not the key',
      host,
    });
    await bad.getAdminAuditLogs({ pagination: { page: 1, limit: 10 } });
    report.badSecret = 'no error';
  } catch (error) {
    report.badSecret = {
      status: error.response ? error.response.status : null,
      body: error.response ? error.response.data : null,
    };
  }
  console.log(JSON.stringify(report));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
