// The Volcengine Node.js SDK (@volcengine/openapi, a generic Service for service "id") against
// an idplane server: JSON POST and GET calls, each result printed as one JSON line.
// Usage: node volc.js HOST ACCESS_KEY_ID SECRET_KEY   (HOST like 127.0.0.1:8080)
const { Service } = require("@volcengine/openapi");

const [host, accessKeyId, secretKey] = process.argv.slice(2);
const id = new Service({
  host,
  protocol: "http:",
  region: "cn-beijing",
  serviceName: "id",
  defaultVersion: "2025-10-30",
  accessKeyId,
  secretKey,
});

async function step(name, call) {
  try {
    const response = await call();
    const error = response.ResponseMetadata && response.ResponseMetadata.Error;
    console.log(JSON.stringify({ step: name, ok: !error, result: response.Result, code: error && error.Code }));
  } catch (e) {
    const body = e.response && e.response.data;
    const error = body && body.ResponseMetadata && body.ResponseMetadata.Error;
    console.log(JSON.stringify({ step: name, ok: false, code: error ? error.Code : String(e), status: e.response && e.response.status }));
  }
}

(async () => {
  const tag = Math.random().toString(36).slice(2, 10);
  let pool = null;
  await step("CreateUserPool", async () => {
    const r = await id.createJSONAPI("CreateUserPool")({ Name: `node-${tag}` });
    pool = r.Result && r.Result.Uid;
    return r;
  });
  await step("ListUserPoolsPost", () => id.createJSONAPI("ListUserPools")({ PageNumber: 1, PageSize: 100 }));
  await step("ListUserPoolsGet", () => id.createAPI("ListUserPools", { method: "GET" })({ PageNumber: 1, PageSize: 100 }));
  await step("CreateUser", () =>
    id.createJSONAPI("CreateUser")({ UserPoolUid: pool, PreferredUsername: `node-${tag}`, Email: `node-${tag}@example.test` }),
  );
  await step("Duplicated", () =>
    id.createJSONAPI("CreateUser")({ UserPoolUid: pool, PreferredUsername: `node-${tag}` }),
  );
  await step("NotFound", () =>
    id.createJSONAPI("GetUserPool")({ UserPoolUid: "00000000-0000-7000-8000-000000000000" }),
  );
})();
