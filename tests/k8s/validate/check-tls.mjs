// Checks what `helm template` renders with tests/k8s/values/tls.yaml (or
// with client certificates required, --client-certs): the server mounts the
// tls Secret and is started with --tls-cert/--tls-key, its probes speak HTTPS
// (TCP with client certificates), its ports and the Service's are named
// https, and the chart's clients reach it at https:// trusting the Secret's
// ca.crt, mounted without the key.
//
//   node check-tls.mjs RENDERED.yaml [--client-certs]
//
// Prints each failed expectation; exits 1 when any failed.
import fs from "node:fs";
import { parseAllDocuments } from "yaml";

const [file, mode] = process.argv.slice(2);
const clientCerts = mode === "--client-certs";
const docs = parseAllDocuments(fs.readFileSync(file, "utf8"))
  .map((d) => d.toJSON())
  .filter(Boolean);
const find = (kind, suffix = "") =>
  docs.find((d) => d.kind === kind && d.metadata.name.endsWith(suffix));

const failures = [];
const expect = (ok, what) => {
  if (!ok) failures.push(what);
};

const server = find("Deployment", "moss");
const pod = server?.spec.template.spec;
const moss = pod?.containers.find((c) => c.name === "moss");
expect(moss, "the server Deployment has a moss container");
if (moss) {
  const args = moss.args;
  expect(args.includes("--tls-cert=/etc/moss/tls/tls.crt"), "args have --tls-cert=/etc/moss/tls/tls.crt");
  expect(args.includes("--tls-key=/etc/moss/tls/tls.key"), "args have --tls-key=/etc/moss/tls/tls.key");
  expect(args.includes("--tls-client-ca=/etc/moss/tls/ca.crt") === clientCerts,
    `args ${clientCerts ? "have" : "do not have"} --tls-client-ca`);
  const mount = moss.volumeMounts.find((m) => m.mountPath === "/etc/moss/tls");
  expect(mount?.readOnly === true, "the tls volume is mounted read-only at /etc/moss/tls");
  const volume = pod.volumes.find((v) => v.name === mount?.name);
  expect(volume?.secret?.secretName === "moss-tls" && !volume.secret.items,
    "the tls volume is the whole Secret moss-tls (no subPath, no items: rotations reach it)");
  expect(moss.ports.some((p) => p.name === "https"), "the container port is named https");
  for (const [name, path] of [["livenessProbe", "/healthz"], ["readinessProbe", "/readyz"]]) {
    const probe = moss[name];
    if (clientCerts) {
      expect(probe?.tcpSocket?.port === "https" && !probe.httpGet,
        `${name} is a TCP check (the kubelet has no client certificate)`);
    } else {
      expect(probe?.httpGet?.scheme === "HTTPS" && probe.httpGet.path === path &&
        probe.httpGet.port === "https", `${name} is an HTTPS GET of ${path}`);
    }
  }
}
const service = find("Service");
expect(service?.spec.ports.every((p) => p.name === "https" && p.targetPort === "https"),
  "the Service port is named https");

if (!clientCerts) {
  const monitor = find("ServiceMonitor");
  expect(monitor?.spec.endpoints[0].scheme === "https" && monitor.spec.endpoints[0].port === "https" &&
    monitor.spec.endpoints[0].tlsConfig?.serverName === "moss", "the ServiceMonitor scrapes https with its tlsConfig");
  // The chart's clients: the example workload's init container and the helm test.
  const inference = find("Deployment", "-inference")?.spec.template.spec;
  const testPod = find("Pod", "-test-pull")?.spec;
  const clients = [
    ["example workload", inference, inference?.initContainers?.[0]],
    ["helm test (pull)", testPod, testPod?.initContainers?.[0]],
    ["helm test (verify)", testPod, testPod?.containers?.[0]],
  ];
  for (const [what, spec, container] of clients) {
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
    expect(env.MOSS_ENDPOINT?.startsWith("https://"), `${what}: MOSS_ENDPOINT is https://`);
    expect(env.AWS_CA_BUNDLE === "/etc/moss/ca/ca.crt", `${what}: AWS_CA_BUNDLE is /etc/moss/ca/ca.crt`);
    const mount = container?.volumeMounts?.find((m) => m.mountPath === "/etc/moss/ca");
    const volume = spec?.volumes.find((v) => v.name === mount?.name);
    const items = volume?.secret?.items ?? [];
    expect(volume?.secret?.secretName === "moss-tls" && items.length === 1 && items[0].key === "ca.crt",
      `${what}: mounts only ca.crt of the Secret moss-tls (never the key)`);
  }
}

for (const f of failures) console.log(`FAIL ${f}`);
console.log(`check-tls: ${failures.length ? "failed" : "ok"} (${file}${clientCerts ? ", client certificates" : ""})`);
process.exit(failures.length ? 1 : 0);
