// The Tencent Cloud Node.js SDK's EIAM client against an idplane server: a representative set of
// actions, each result printed as one JSON line ({"step", "ok", "result" | "code"}).
// Usage: node eiam.js ENDPOINT SECRET_ID SECRET_KEY   (ENDPOINT like 127.0.0.1:8080)
const tencentcloud = require("tencentcloud-sdk-nodejs");

const [endpoint, secretId, secretKey] = process.argv.slice(2);
const EiamClient = tencentcloud.eiam.v20210420.Client;

function client(key) {
  return new EiamClient({
    credential: { secretId, secretKey: key },
    region: "ap-guangzhou",
    profile: { httpProfile: { endpoint, protocol: "http://" } },
  });
}

async function step(name, call) {
  try {
    const result = await call();
    console.log(JSON.stringify({ step: name, ok: true, result }));
    return result;
  } catch (e) {
    console.log(JSON.stringify({ step: name, ok: false, code: e.code, message: e.message }));
    return null;
  }
}

(async () => {
  const eiam = client(secretKey);
  const tag = Math.random().toString(36).slice(2, 10);
  const group = await step("CreateUserGroup", () => eiam.CreateUserGroup({ DisplayName: `node-${tag}` }));
  const groupId = group && group.UserGroupId;
  const made = [];
  for (const n of ["ann", "bob", "cid"]) {
    const user = await step("CreateUser", () =>
      eiam.CreateUser({
        UserName: `${n}-${tag}`,
        Password: "Node Passw0rd 42!",
        DisplayName: `${n.toUpperCase()} ${tag}`,
        Email: `${n}-${tag}@example.test`,
        UserGroupIds: [groupId],
      }),
    );
    if (user) made.push(user.UserId);
  }
  await step("ListUsersInUserGroup", () =>
    eiam.ListUsersInUserGroup({
      UserGroupId: groupId,
      SearchCondition: { UserName: `${"ann"}*` },
      Sort: { SortKey: "UserName", SortOrder: "DESC" },
      Offset: 0,
      Limit: 2,
    }),
  );
  await step("ListUsersInUserGroupPage2", () =>
    eiam.ListUsersInUserGroup({
      UserGroupId: groupId,
      Sort: { SortKey: "UserName", SortOrder: "ASC" },
      Offset: 2,
      Limit: 2,
    }),
  );
  await step("DescribeUserInfo", () => eiam.DescribeUserInfo({ UserId: made[0] }));
  await step("WrongSecret", () => client("not-the-secret-at-all").ListUserGroups({}));
  await step("UnknownGroup", () =>
    eiam.DescribeUserGroup({ UserGroupId: "00000000-0000-7000-8000-000000000000" }),
  );
})();
