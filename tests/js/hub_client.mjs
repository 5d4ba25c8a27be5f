// @huggingface/hub against moss's Hugging Face Hub API (docs/huggingface.md),
// driven by tests/integration/test_hub_api.py:
//   node hub_client.mjs COMMAND 'JSON ARGUMENTS'
// The Hub's URL is HF_ENDPOINT and the token HF_TOKEN (none when empty), as
// a pod would set them. Prints one JSON document: the command's result and
// the URLs the client fetched; a client error is printed as
// {"error": {name, statusCode, message}} (exit status 0), so the test can
// assert the typed error the library threw.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  downloadFile,
  fileDownloadInfo,
  listFiles,
  modelInfo,
  pathsInfo,
  snapshotDownload,
} from "@huggingface/hub";

// The library logs its progress with console.debug; stdout is the result's.
console.debug = console.log = (...parts) => console.error(...parts);

const [command, rawArgs] = process.argv.slice(2);
const args = JSON.parse(rawArgs ?? "{}");
const hubUrl = process.env.HF_ENDPOINT;
if (!hubUrl) throw new Error("HF_ENDPOINT is not set");
const accessToken = process.env.HF_TOKEN || undefined;

const requests = [];
const recordingFetch = (url, init) => {
  requests.push({ method: init?.method ?? "GET", url: String(url) });
  return fetch(url, init);
};
const common = { hubUrl, accessToken, fetch: recordingFetch, repo: { type: "model", name: args.repo } };

function sha256(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

async function run() {
  switch (command) {
    case "download": {
      const blob = await downloadFile({ ...common, path: args.path, revision: args.revision });
      if (!blob) return null;
      const bytes = Buffer.from(await blob.arrayBuffer());
      return { size: bytes.length, sha256: sha256(bytes) };
    }
    case "info":
      return await fileDownloadInfo({ ...common, path: args.path, revision: args.revision });
    case "list": {
      const entries = [];
      for await (const entry of listFiles({
        ...common,
        revision: args.revision,
        path: args.path,
        recursive: args.recursive,
      })) {
        entries.push(entry);
      }
      return entries;
    }
    case "model":
      return await modelInfo({
        ...common,
        name: args.repo,
        revision: args.revision,
        additionalFields: ["sha", "siblings"],
      });
    case "paths":
      return await pathsInfo({ ...common, paths: args.paths, revision: args.revision, expand: true });
    case "snapshot": {
      const folder = await snapshotDownload({
        ...common,
        revision: args.revision,
        cacheDir: args.cacheDir,
      });
      const files = {};
      for (const path of args.expect ?? []) files[path] = sha256(await readFile(join(folder, path)));
      return { folder, files };
    }
    case "stream": {
      // A file read as a stream with the fetch every Hub client uses: stderr
      // gets a line "FIRST <bytes>" as soon as the first bytes are in, so a
      // test can see them arrive before the answer is complete.
      const url = `${hubUrl}/${args.repo}/resolve/${encodeURIComponent(args.revision)}/${args.path}`;
      const res = await recordingFetch(url, {
        headers: accessToken ? { Authorization: `Bearer ${accessToken}` } : {},
      });
      if (!res.ok) throw new Error(`${url}: ${res.status}`);
      const hash = createHash("sha256");
      let size = 0;
      for await (const chunk of res.body) {
        if (size === 0) process.stderr.write(`FIRST ${chunk.length}\n`);
        size += chunk.length;
        hash.update(chunk);
      }
      return { size, sha256: hash.digest("hex"), commit: res.headers.get("x-repo-commit") };
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}

try {
  const result = await run();
  process.stdout.write(JSON.stringify({ result, requests }) + "\n");
} catch (e) {
  process.stdout.write(
    JSON.stringify({
      error: { name: e.constructor.name, statusCode: e.statusCode ?? null, message: e.message },
      requests,
    }) + "\n",
  );
}
