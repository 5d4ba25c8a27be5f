// Checks what `helm template` renders with tests/k8s/values/replicas.yaml
// (docs/replicas.md): 3 replicas rolled one at a time (RollingUpdate, none
// unavailable), a PodDisruptionBudget and a pod anti-affinity over the
// server's own pods, MOSS_METADATA taken from the Secret
// metadata.postgresql.existingSecret, and that Secret's password mounted
// read-only as the file --metadata-password-file names. With --single (one
// replica on SQLite): none of it, and the Recreate strategy.
//
//   node check-replicas.mjs RENDERED.yaml [--single]
//
// Prints each failed expectation; exits 1 when any failed.
import fs from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { parseAllDocuments } from "yaml";

const [file, mode] = process.argv.slice(2);
const single = mode === "--single";
const docs = parseAllDocuments(fs.readFileSync(file, "utf8"))
  .map((d) => d.toJSON())
  .filter(Boolean);
const server = docs.find((d) => d.kind === "Deployment" && d.metadata.name.endsWith("moss"));
const pod = server?.spec.template.spec;
const moss = pod?.containers.find((c) => c.name === "moss");
const budgets = docs.filter((d) => d.kind === "PodDisruptionBudget");

const failures = [];
const expect = (ok, what) => {
  if (!ok) failures.push(what);
};

expect(moss, "the server Deployment has a moss container");
if (moss) {
  const selector = server.spec.selector.matchLabels;
  const env = moss.env || [];
  const metadataEnv = env.find((e) => e.name === "MOSS_METADATA");
  const passwordArgs = moss.args.filter((a) => a.startsWith("--metadata-password-file"));
  if (single) {
    expect(server.spec.replicas === 1, `one replica (got ${server.spec.replicas})`);
    expect(server.spec.strategy?.type === "Recreate",
      `the Recreate strategy (got ${server.spec.strategy?.type})`);
    expect(budgets.length === 0, "no PodDisruptionBudget");
    expect(!pod.affinity, "no affinity");
    expect(!metadataEnv, "no MOSS_METADATA");
    expect(passwordArgs.length === 0, "no --metadata-password-file");
  } else {
    expect(server.spec.replicas === 3, `3 replicas (got ${server.spec.replicas})`);
    const strategy = server.spec.strategy || {};
    expect(strategy.type === "RollingUpdate" && strategy.rollingUpdate?.maxUnavailable === 0,
      `a RollingUpdate strategy with maxUnavailable 0 (got ${JSON.stringify(strategy)})`);

    expect(budgets.length === 1, `one PodDisruptionBudget (got ${budgets.length})`);
    const budget = budgets[0]?.spec;
    expect(budget?.minAvailable === 1, `the budget keeps 1 available (got ${budget?.minAvailable})`);
    expect(isDeepStrictEqual(budget?.selector?.matchLabels, selector),
      "the budget selects the server's pods (the Deployment's selector)");

    const terms = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution || [];
    expect(terms.some((t) => t.podAffinityTerm?.topologyKey === "kubernetes.io/hostname" &&
      isDeepStrictEqual(t.podAffinityTerm?.labelSelector?.matchLabels, selector)),
    "a pod anti-affinity spreads the server's pods over hostnames");

    const ref = metadataEnv?.valueFrom?.secretKeyRef;
    expect(ref?.name === "moss-postgresql" && ref?.key === "dsn",
      `MOSS_METADATA from key dsn of the Secret moss-postgresql (got ${JSON.stringify(metadataEnv)})`);
    expect(metadataEnv?.value === undefined, "the DSN is not written into the Deployment");

    expect(passwordArgs.length === 1 &&
      passwordArgs[0] === "--metadata-password-file=/etc/moss/metadata/password",
    `args have --metadata-password-file=/etc/moss/metadata/password (got ${passwordArgs})`);
    const mount = (moss.volumeMounts || []).find((m) => m.mountPath === "/etc/moss/metadata");
    expect(mount?.readOnly === true, "the password volume is mounted read-only at /etc/moss/metadata");
    const volume = (pod.volumes || []).find((v) => v.name === mount?.name);
    const items = volume?.secret?.items || [];
    expect(volume?.secret?.secretName === "moss-postgresql" && items.length === 1 &&
      items[0].key === "password" && items[0].path === "password",
    "the volume holds only the key password of the Secret moss-postgresql, as file password");
    expect(!env.some((e) => e.name === "PGPASSWORD"), "the password is not in the environment");
  }
}

for (const f of failures) console.log(`FAIL ${f}`);
console.log(`check-replicas: ${failures.length ? "failed" : "ok"} (${file}${mode ? ", " + mode : ""})`);
process.exit(failures.length ? 1 : 0);
