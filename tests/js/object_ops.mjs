// Runs S3 operations in order and prints one JSON array of their results for
// tests/integration/test_client_js.py to check. Each argument is one
// operation, a JSON array [name, ...args] (one node start-up for many calls):
//   ["put-buffer", BUCKET, KEY, FILE]
//   ["put-stream", BUCKET, KEY, FILE]
//   ["upload", BUCKET, KEY, FILE]          lib-storage Upload
//   ["get", BUCKET, KEY]                   sha256 of the streamed body
//   ["head", BUCKET, KEY]
//   ["list", BUCKET, PREFIX]
//   ["copy", BUCKET, SOURCE_KEY, TARGET_KEY]
//   ["delete", BUCKET, KEY]
//   ["delete-many", BUCKET, KEY...]
//   ["create-bucket", BUCKET]
// An S3 error is that operation's result: {"error": {"name", "status"}}.
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, statSync } from "node:fs";

import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

import { makeClient, recordRequestHeaders } from "./s3_client.mjs";

const client = makeClient();
const sent = recordRequestHeaders(client);

function requestSummary() {
  const h = sent.headers;
  const pick = (name) => h[name] ?? h[name.toLowerCase()] ?? null;
  return {
    "content-encoding": pick("content-encoding"),
    "x-amz-content-sha256": pick("x-amz-content-sha256"),
    "x-amz-trailer": pick("x-amz-trailer"),
    "x-amz-checksum-crc32": pick("x-amz-checksum-crc32"),
    "x-amz-checksum-mode": pick("x-amz-checksum-mode"),
  };
}

async function sha256OfStream(body) {
  const hash = createHash("sha256");
  let length = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    length += chunk.length;
  }
  return { sha256: hash.digest("hex"), length };
}

const operations = {
  async "create-bucket"(bucket) {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return {};
  },
  async "put-buffer"(bucket, key, file) {
    const out = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(file) }),
    );
    return { ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32 ?? null, request: requestSummary() };
  },
  async "put-stream"(bucket, key, file) {
    const out = await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(file),
        ContentLength: statSync(file).size,
      }),
    );
    return { ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32 ?? null, request: requestSummary() };
  },
  async upload(bucket, key, file) {
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: createReadStream(file) },
    });
    const out = await upload.done();
    return { ETag: out.ETag };
  },
  async get(bucket, key) {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const { sha256, length } = await sha256OfStream(out.Body);
    return {
      sha256,
      length,
      ETag: out.ETag,
      ContentLength: out.ContentLength,
      ChecksumCRC32: out.ChecksumCRC32 ?? null,
      request: requestSummary(),
    };
  },
  async head(bucket, key) {
    const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { ETag: out.ETag, ContentLength: out.ContentLength, ContentType: out.ContentType };
  },
  async list(bucket, prefix) {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return {
      KeyCount: out.KeyCount,
      Contents: (out.Contents ?? []).map((o) => ({ Key: o.Key, Size: o.Size, ETag: o.ETag })),
    };
  },
  async copy(bucket, sourceKey, targetKey) {
    const out = await client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: targetKey,
        CopySource: `${bucket}/${encodeURIComponent(sourceKey)}`,
      }),
    );
    return { ETag: out.CopyObjectResult?.ETag };
  },
  async delete(bucket, key) {
    const out = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    return { status: out.$metadata.httpStatusCode };
  },
  async "delete-many"(bucket, ...keys) {
    const out = await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })) },
      }),
    );
    return {
      Deleted: (out.Deleted ?? []).map((d) => d.Key),
      Errors: out.Errors ?? [],
      request: requestSummary(),
    };
  },
};

const results = [];
for (const step of process.argv.slice(2)) {
  const [name, ...args] = JSON.parse(step);
  const operation = operations[name];
  if (!operation) throw new Error(`unknown operation ${name}`);
  try {
    results.push(await operation(...args));
  } catch (error) {
    if (!error.$metadata) throw error;
    results.push({ error: { name: error.name, status: error.$metadata.httpStatusCode } });
  }
}
console.log(JSON.stringify(results));
