// Validates Kubernetes manifests offline, as `kubectl apply --validate=strict`
// would against a real API server, without one.
//
//   node validate.mjs FILE...      ('-' reads standard input)
//
// Every YAML document (the multi-document output of `helm template`, or a
// plain manifest) gets two checks:
//  1. kubernetes-models' validators, generated from the Kubernetes OpenAPI
//     spec: types, required fields, formats. They accept unknown fields.
//  2. A walk over the object with the attributeTypeMap of
//     @kubernetes/client-node's generated classes (the same spec, one class per
//     schema, listing every legal field): any field not in the map is an error,
//     as the API server's strict field validation would report it.
// Custom resources (ServiceMonitor) get check 1 from their kubernetes-models
// package and check 2 from the field lists in that package's type declarations.
//
// Prints one line per problem and a summary; exits 1 when any document fails.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
// The package's top-level entry crashes on Node 20; the generated models do not.
import * as clientModels from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));

// Custom resources: apiVersion -> the kubernetes-models package that has them.
const CRD_PACKAGES = {
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};

// ---- check 1: kubernetes-models (types, required, formats) ----

async function modelClass(apiVersion, kind) {
  let module;
  if (CRD_PACKAGES[apiVersion]) {
    module = CRD_PACKAGES[apiVersion];
  } else {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    module = group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
  }
  try {
    return (await import(module))[kind];
  } catch {
    return undefined;
  }
}

function schemaErrors(Model, obj) {
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    const details = e.errors ?? e.details ?? [];
    if (!Array.isArray(details) || details.length === 0) return [e.message];
    return details.map((d) => `${d.instancePath || "/"}: ${d.message}` +
      (d.params && Object.keys(d.params).length ? ` ${JSON.stringify(d.params)}` : ""));
  }
}

// ---- check 2: unknown fields ----

// A field type as the generators spell it, reduced to what the walk needs.
function parseType(type) {
  type = type.trim();
  let m = type.match(/^Array<(.+)>$/);
  if (m) return { array: parseType(m[1]) };
  m = type.match(/^\{ \[key: string\]: (.+?);? \}$/);
  if (m) return { map: parseType(m[1]) };
  return { name: type };
}

// Field tables: class or interface name -> Map(field -> parsed type).
const tables = new Map();

function clientTable(name) {
  const cls = clientModels[name];
  if (!cls || typeof cls.getAttributeTypeMap !== "function") return undefined;
  if (!tables.has(name)) {
    tables.set(name, new Map(cls.getAttributeTypeMap().map((a) => [a.baseName, parseType(a.type)])));
  }
  return tables.get(name);
}

// Type declarations of a kubernetes-models CRD package: every
// `export interface IName { "field"?: Type; }` becomes a table, and imported
// names resolve through the file they are imported from.
const declarations = new Map(); // file -> { interfaces: Map, imports: Map(name -> file) }

function readDeclarations(file) {
  if (declarations.has(file)) return declarations.get(file);
  const text = fs.readFileSync(file, "utf8");
  const imports = new Map();
  for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
    for (const name of m[1].split(",").map((s) => s.trim())) {
      imports.set(name, m[2].startsWith(".") ? path.resolve(path.dirname(file), m[2].replace(/\.js$/, ".d.ts")) : m[2]);
    }
  }
  const interfaces = new Map();
  for (const m of text.matchAll(/export interface (\w+)(?: extends ([\w, ]+))? \{\n([\s\S]*?)\n\}/g)) {
    const fields = new Map();
    // Field lines sit at four spaces; comments and nested literals do not match.
    for (const f of m[3].matchAll(/^ {4}"([^"]+)"\??: (.+);$/gm)) fields.set(f[1], parseType(f[2]));
    // Type literals spread over lines: a map ("[key: string]: T;") or, rarely,
    // an inline object, which is left unchecked.
    for (const f of m[3].matchAll(/^ {4}"([^"]+)"\??: \{\n([\s\S]*?)\n {4}\};$/gm)) {
      const map = f[2].match(/^\s*\[key: string\]: (.+);$/);
      fields.set(f[1], map ? { map: parseType(map[1]) } : { name: "any" });
    }
    const parents = (m[2] ?? "").split(",").map((p) => p.trim()).filter((p) => p && p !== "TypeMeta");
    interfaces.set(m[1], { fields, parents });
  }
  // Aliases (`export type IDuration = string;`) are kept as the type they name.
  const aliases = new Map();
  for (const m of text.matchAll(/^export type (\w+) = (.+);$/gm)) aliases.set(m[1], parseType(m[2]));
  // `export type { IServiceMonitorSpec as IComGithub...ServiceMonitorSpec }`
  for (const m of text.matchAll(/export type \{ ([^}]+) \}/g)) {
    for (const alias of m[1].split(",")) {
      const [local, exported] = alias.split(" as ").map((s) => s.trim());
      if (exported && interfaces.has(local)) interfaces.set(exported, interfaces.get(local));
      if (exported && aliases.has(local)) aliases.set(exported, aliases.get(local));
    }
  }
  const d = { interfaces, aliases, imports };
  declarations.set(file, d);
  return d;
}

// A type named inside a declaration file, as { table, resolve } for the walk.
function declaredType(file, name) {
  const d = readDeclarations(file);
  if (d.interfaces.has(name)) {
    // An interface's fields plus those of the interfaces it extends.
    const { fields, parents } = d.interfaces.get(name);
    const table = new Map(fields);
    for (const parent of parents) {
      for (const [k, v] of declaredType(file, parent)?.table ?? []) if (!table.has(k)) table.set(k, v);
    }
    return { table, scope: file };
  }
  if (d.aliases.has(name)) return { alias: d.aliases.get(name), scope: file };
  const from = d.imports.get(name);
  if (!from) return undefined;
  if (!from.endsWith(".d.ts")) {
    // A Kubernetes type (".../apis/meta/v1/ObjectMeta", "kubernetes-models/v1/
    // SecretKeySelector"): the client's class of the same version and kind.
    const [version, kind] = from.split("/").slice(-2);
    if (["Quantity", "Time", "MicroTime", "IntOrString"].includes(kind)) return { alias: { name: "string" } };
    const table = clientTable(version[0].toUpperCase() + version.slice(1) + kind);
    return table ? { table, scope: null } : undefined;
  }
  return declaredType(from, name);
}

const PRIMITIVES = new Set(["string", "number", "boolean", "any", "Date", "IntOrString", "object", "unknown", "integer"]);

// Walks `value` against a parsed type; reports unknown fields into `out`.
function walk(value, type, where, scope, out) {
  if (value === null || value === undefined) return;
  if (type.array) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, type.array, `${where}[${i}]`, scope, out));
    return; // a wrong shape is check 1's to report
  }
  if (type.map) {
    if (typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, type.map, `${where}.${k}`, scope, out);
    }
    return;
  }
  const name = type.name;
  if (PRIMITIVES.has(name) || /^"/.test(name) || name.includes("|")) return;
  const resolved = scope ? declaredType(scope, name) : { table: clientTable(name), scope: null };
  if (resolved?.alias) return walk(value, resolved.alias, where, resolved.scope, out);
  if (!resolved?.table) {
    out.push(`${where}: no field list for type ${name} (validator cannot check it)`);
    return;
  }
  if (typeof value !== "object" || Array.isArray(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const fieldType = resolved.table.get(k);
    if (!fieldType) {
      out.push(`${where}.${k}: unknown field "${k}"`);
      continue;
    }
    walk(v, fieldType, `${where}.${k}`, resolved.scope, out);
  }
}

function unknownFieldErrors(obj) {
  const { apiVersion, kind } = obj;
  const out = [];
  if (CRD_PACKAGES[apiVersion]) {
    const file = path.join(HERE, "node_modules", CRD_PACKAGES[apiVersion], `${kind}.d.ts`);
    walk(obj, { name: `I${kind}` }, kind, file, out);
    return out;
  }
  const version = apiVersion.split("/").pop();
  const className = version[0].toUpperCase() + version.slice(1) + kind;
  if (!clientTable(className)) return [`no field list for ${apiVersion} ${kind}`];
  walk(obj, { name: className }, kind, null, out);
  return out;
}

// ---- documents ----

async function validateDocument(obj, label) {
  if (obj === null || obj === undefined) return [];
  if (typeof obj !== "object" || Array.isArray(obj)) return [`${label}: not a Kubernetes object`];
  const { apiVersion, kind } = obj;
  if (!apiVersion || !kind) return [`${label}: apiVersion and kind are required`];
  const name = `${label} ${kind}/${obj.metadata?.name ?? "?"}`;
  if (!obj.metadata?.name) return [`${name}: metadata.name is required`];
  const Model = await modelClass(apiVersion, kind);
  if (!Model) return [`${name}: no schema for ${apiVersion} ${kind}`];
  return [...schemaErrors(Model, obj), ...unknownFieldErrors(obj)].map((e) => `${name}: ${e}`);
}

async function validateText(text, source) {
  const errors = [];
  let count = 0;
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  for (const [i, doc] of (Array.isArray(docs) ? docs : [docs]).entries()) {
    const label = `${source}#${i + 1}`;
    if (doc.errors.length) {
      errors.push(...doc.errors.map((e) => `${label}: YAML: ${e.message.split("\n")[0]}`));
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    count++;
    errors.push(...(await validateDocument(obj, label)));
  }
  return { count, errors };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs FILE... ('-' for standard input)");
  process.exit(2);
}
let objects = 0;
const problems = [];
for (const file of files) {
  const text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
  const { count, errors } = await validateText(text, file === "-" ? "stdin" : path.basename(file));
  objects += count;
  problems.push(...errors);
}
for (const p of problems) console.log(p);
console.log(`validate: ${objects} object(s), ${problems.length} problem(s)`);
process.exit(problems.length || objects === 0 ? 1 : 0);
