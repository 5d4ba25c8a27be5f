// Reads the header of a GGUF file served over HTTP with @huggingface/gguf, a
// parser written independently of moss's, the way it reads models on the
// Hugging Face Hub: Range requests against a URL (here a presigned URL of a
// moss tag). Prints one JSON object: the scalar metadata (arrays such as the
// vocabulary are summarised by their length), the tensor count, the parameter
// count, and the HTTP requests made (Range asked, status, Content-Range).
//
//   node gguf_metadata.mjs URL
import { gguf } from "@huggingface/gguf";

const url = process.argv[2];
if (!url) {
  console.error("usage: node gguf_metadata.mjs URL");
  process.exit(2);
}

const requests = [];
async function recordingFetch(input, init) {
  const response = await fetch(input, init);
  requests.push({
    range: init?.headers?.Range ?? null,
    status: response.status,
    contentRange: response.headers.get("content-range"),
    resolvedKey: response.headers.get("x-moss-resolved-key"),
  });
  return response;
}

const { metadata, tensorInfos, parameterCount } = await gguf(url, {
  fetch: recordingFetch,
  computeParametersCount: true,
});

const scalars = {};
const arrayLengths = {};
for (const [key, value] of Object.entries(metadata)) {
  if (Array.isArray(value)) {
    arrayLengths[key] = value.length;
  } else {
    scalars[key] = typeof value === "bigint" ? Number(value) : value;
  }
}

console.log(
  JSON.stringify({
    metadata: scalars,
    arrayLengths,
    tensorCount: tensorInfos.length,
    parameterCount,
    requests,
  }),
);
