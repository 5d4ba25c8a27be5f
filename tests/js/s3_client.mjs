// The S3Client every script uses: the endpoint and keys come from the
// environment (tests/integration/moss_harness.py client_env), path-style
// addressing, and the SDK's default checksum settings left alone.
import { S3Client } from "@aws-sdk/client-s3";

export function makeClient() {
  const endpoint = process.env.MOSS_ENDPOINT;
  if (!endpoint) throw new Error("MOSS_ENDPOINT is not set");
  const client = new S3Client({
    endpoint,
    region: process.env.AWS_REGION || "us-east-1",
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID,
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
    },
  });
  return client;
}

// Records the headers of the last request as sent (after checksums and
// signing), so tests can tell which payload framing the SDK chose.
export function recordRequestHeaders(client) {
  const record = { headers: {} };
  client.middlewareStack.add(
    (next) => async (args) => {
      record.headers = { ...args.request.headers };
      return next(args);
    },
    { step: "deserialize", priority: "low", name: "mossRecordRequestHeaders" },
  );
  return record;
}
