// Checks that what we ship keeps the gRPC boundary closed (docs/security.md):
// rendered Kubernetes manifests, or `docker-compose config` output (--compose),
// on stdin. For resolver-svc and delivery-svc: mutual TLS from a Secret in
// cert-manager's layout (tls.crt, tls.key, ca.crt), the route key file set
// and mounted from a Secret, a user of its own for each service, not root.
// Exit 1 with a message per finding.
const yaml = require("js-yaml");

const compose = process.argv.includes("--compose");
const docs = yaml.loadAll(require("fs").readFileSync(0, "utf8")).filter(Boolean);
const problems = [];
const users = {};

function flag(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

// The route key: "-o route_key_file=..." or the ConfigMap's main.cf.
function routeKeyFile(args, mainCf) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "-o" && /^route_key_file=/.test(args[i + 1] || "")) return args[i + 1].split("=")[1];
  }
  const m = /^\s*route_key_file\s*=\s*(\S+)/m.exec(mainCf || "");
  return m ? m[1] : undefined;
}

// `mounts`: [container path, is a Secret (or the compose secrets directory)].
function check(service, args, user, mounts, mainCf) {
  const secretDir = (file) => file && mounts.some(([p, secret]) => secret && file.startsWith(p.replace(/\/?$/, "/")));
  for (const [opt, name] of [["--tls-cert", "tls.crt"], ["--tls-key", "tls.key"], ["--tls-client-ca", "ca.crt"]]) {
    const file = flag(args, opt);
    if (!file || !file.endsWith("/" + name)) problems.push(`${service}: ${opt} is not .../${name} (${file})`);
    else if (!secretDir(file)) problems.push(`${service}: ${opt} ${file} is not in a Secret`);
  }
  const key = routeKeyFile(args, mainCf);
  if (!key) problems.push(`${service}: no route_key_file`);
  else if (!secretDir(key)) problems.push(`${service}: route_key_file ${key} is not in a Secret`);
  if (user === undefined || String(user) === "0" || String(user).startsWith("0:")) {
    problems.push(`${service}: runs as root or as the image's default`);
  }
  users[service] = String(user).split(":")[0];
}

let seen = 0;
if (compose) {
  for (const doc of docs) {
    for (const [name, svc] of Object.entries(doc.services || {})) {
      if (name !== "resolver-svc" && name !== "delivery-svc") continue;
      seen++;
      const mounts = (svc.volumes || []).map((v) =>
        typeof v === "string" ? [v.split(":")[1], /secrets/.test(v)] : [v.target, /secrets/.test(v.source || "")]);
      check(name, svc.command || [], svc.user, mounts, "");
    }
  }
} else {
  const configMaps = {};
  for (const d of docs) if (d.kind === "ConfigMap" && d.data) configMaps[d.metadata.name] = d.data["main.cf"];
  for (const d of docs) {
    if (d.kind !== "Deployment") continue;
    const spec = d.spec.template.spec;
    // The main.cf of the ConfigMap this Deployment mounts.
    const mainCf = (spec.volumes || []).filter((v) => v.configMap).map((v) => configMaps[v.configMap.name] || "").join("\n");
    for (const c of spec.containers) {
      if (!/^(resolver|delivery)-svc$/.test(c.name)) continue;
      seen++;
      const secretVolumes = new Set((spec.volumes || []).filter((v) => v.secret).map((v) => v.name));
      const mounts = (c.volumeMounts || []).map((m) => [m.mountPath, secretVolumes.has(m.name)]);
      const sc = spec.securityContext || {};
      if (!sc.runAsNonRoot) problems.push(`${d.metadata.name}: runAsNonRoot is not set`);
      check(`${d.metadata.name}/${c.name}`, c.args || [], sc.runAsUser, mounts, mainCf);
    }
  }
}
const byService = {};
for (const [service, uid] of Object.entries(users)) {
  const kind = service.includes("resolver") ? "resolver" : "delivery";
  (byService[kind] = byService[kind] || new Set()).add(uid);
}
if (byService.resolver && byService.delivery) {
  for (const uid of byService.resolver) {
    if (byService.delivery.has(uid)) problems.push(`resolver-svc and delivery-svc share the user ${uid}`);
  }
}
if (seen === 0) problems.push("no resolver-svc or delivery-svc found");
for (const p of problems) console.error(p);
console.log(`${seen} service containers, ${problems.length} security findings`);
process.exit(problems.length === 0 ? 0 : 1);
