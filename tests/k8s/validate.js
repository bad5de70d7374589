// Validates rendered Kubernetes manifests (YAML on stdin, several documents)
// against the Kubernetes API schema with the kubernetes-models packages.
// Exit 1 with a message per invalid object.
const yaml = require("js-yaml");

const input = require("fs").readFileSync(0, "utf8");
let failures = 0;
let count = 0;
for (const obj of yaml.loadAll(input)) {
  if (!obj) continue;
  count++;
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : [null, obj.apiVersion];
  const path = group ? `kubernetes-models/${group}/${version}/${obj.kind}` : `kubernetes-models/${version}/${obj.kind}`;
  const name = `${obj.kind}/${obj.metadata && obj.metadata.name}`;
  let Model;
  try {
    Model = require(path)[obj.kind];
  } catch (e) {
    console.error(`${name}: no schema for ${obj.apiVersion} ${obj.kind}`);
    failures++;
    continue;
  }
  try {
    new Model(obj).validate();
  } catch (e) {
    console.error(`${name}: ${e.message}`);
    failures++;
  }
}
console.log(`${count} objects, ${failures} invalid`);
process.exit(failures === 0 && count > 0 ? 0 : 1);
