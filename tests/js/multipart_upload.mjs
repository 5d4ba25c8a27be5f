// lib-storage's Upload of a file, with the SDK's default checksum settings
// (CRC32 on every part, a COMPOSITE checksum at Complete), then a GetObject
// whose bytes are hashed. Prints one JSON object for
// tests/integration/test_multipart.py.
//   node multipart_upload.mjs BUCKET KEY FILE [PART_SIZE]
import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";

import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

import { makeClient } from "./s3_client.mjs";

const [bucket, key, file, partSizeText] = process.argv.slice(2);
const client = makeClient();

const parts = new Set();
const upload = new Upload({
  client,
  params: { Bucket: bucket, Key: key, Body: createReadStream(file), ContentType: "application/x-gguf" },
  ...(partSizeText ? { partSize: Number(partSizeText) } : {}),
});
upload.on("httpUploadProgress", (p) => parts.add(p.part));
const done = await upload.done();

const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
const hash = createHash("sha256");
let length = 0;
for await (const chunk of got.Body) {
  hash.update(chunk);
  length += chunk.length;
}
const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, PartNumber: 1 }));

console.log(
  JSON.stringify({
    etag: done.ETag,
    checksumCRC32: done.ChecksumCRC32 ?? null,
    checksumType: done.ChecksumType ?? null,
    partsSeen: parts.size,
    fileSize: statSync(file).size,
    sha256: hash.digest("hex"),
    length,
    contentType: got.ContentType,
    partsCount: head.PartsCount ?? null,
  }),
);
