// Checks what `helm template` renders with tests/k8s/values/hf-mirror.yaml:
// the server mirrors the upstream in hf.upstream with the token of
// hf.existingSecret (key HF_TOKEN) mounted read-only as a file and passed as
// --hf-token-file (never as an environment variable), and --hf-offline
// follows hf.offline. With --off: none of it is rendered.
//
//   node check-hf.mjs RENDERED.yaml [--off|--offline]
//
// Prints each failed expectation; exits 1 when any failed.
import fs from "node:fs";
import { parseAllDocuments } from "yaml";

const [file, mode] = process.argv.slice(2);
const docs = parseAllDocuments(fs.readFileSync(file, "utf8"))
  .map((d) => d.toJSON())
  .filter(Boolean);
const server = docs.find((d) => d.kind === "Deployment" && d.metadata.name.endsWith("moss"));
const pod = server?.spec.template.spec;
const moss = pod?.containers.find((c) => c.name === "moss");

const failures = [];
const expect = (ok, what) => {
  if (!ok) failures.push(what);
};

expect(moss, "the server Deployment has a moss container");
if (moss) {
  const args = moss.args;
  const hfArgs = args.filter((a) => a.startsWith("--hf-"));
  if (mode === "--off") {
    expect(hfArgs.length === 0, `no --hf-* argument without hf values (got ${hfArgs})`);
    expect(!(pod.volumes || []).some((v) => v.name === "hf-token"), "no hf-token volume");
  } else {
    expect(args.includes("--hf-upstream=https://hub.example.com"),
      "args have --hf-upstream=https://hub.example.com");
    expect(args.includes("--hf-token-file=/etc/moss/hf/HF_TOKEN"),
      "args have --hf-token-file=/etc/moss/hf/HF_TOKEN");
    expect(args.includes("--hf-offline") === (mode === "--offline"),
      `args ${mode === "--offline" ? "have" : "do not have"} --hf-offline`);
    const mount = moss.volumeMounts.find((m) => m.mountPath === "/etc/moss/hf");
    expect(mount?.readOnly === true, "the hf-token volume is mounted read-only at /etc/moss/hf");
    const volume = pod.volumes.find((v) => v.name === mount?.name);
    const items = volume?.secret?.items || [];
    expect(volume?.secret?.secretName === "hub-token" && items.length === 1 &&
      items[0].key === "HF_TOKEN", "the volume holds only HF_TOKEN of the Secret hub-token");
    const envText = JSON.stringify(moss.env || []);
    expect(!envText.includes("HF_TOKEN"), "the token is not in the container's environment");
  }
}

for (const f of failures) console.log(`FAIL ${f}`);
console.log(`check-hf: ${failures.length ? "failed" : "ok"} (${file}${mode ? ", " + mode : ""})`);
process.exit(failures.length ? 1 : 0);
