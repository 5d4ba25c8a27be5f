// Fetches a GGUF model over HTTP with node-llama-cpp's own download helper
// (resolveModelFile), loads it with llama.cpp (the prebuilt CPU binary; no
// compilation, nothing downloaded from the internet) and generates a few tokens.
//
//   node fetch_and_generate.mjs '{"url": "...", "headers": {...}, "directory": "...",
//                                 "fileName": "...", "maxTokens": 5}'
//
// Prints one JSON line: {"ok": true, "modelPath", "architecture", "text", "tokens"}
// or, when the fetch fails, {"ok": false, "stage": "fetch", "error"} and exits 3.
import {getLlama, LlamaChatSession, resolveModelFile, TokenBias} from "node-llama-cpp";

const spec = JSON.parse(process.argv[2]);

let modelPath;
try {
  modelPath = await resolveModelFile(spec.url, {
    directory: spec.directory,
    fileName: spec.fileName,
    headers: spec.headers,
    cli: false,
  });
} catch (error) {
  console.log(JSON.stringify({ok: false, stage: "fetch", error: String(error?.message ?? error)}));
  process.exit(3);
}

const llama = await getLlama({gpu: false, build: "never", usePrebuiltBinaries: true,
                              skipDownload: true, logLevel: "error"});
const model = await llama.loadModel({modelPath});
// Random weights may well pick end-of-sequence first: ban it (and BOS) so the
// requested number of tokens comes out.
const bias = new TokenBias(model.tokenizer);
bias.set(model.tokens.eos, "never");
bias.set(model.tokens.bos, "never");
// One thread: the model is tiny, and llama.cpp's threads wait for each other
// by spinning, which on a busy 2-core machine turns milliseconds into seconds.
const context = await model.createContext({contextSize: 256, threads: 1});
const session = new LlamaChatSession({contextSequence: context.getSequence(), systemPrompt: ""});
let tokens = 0;
const maxTokens = spec.maxTokens ?? 5;
const text = await session.prompt("hello", {
  maxTokens,
  tokenBias: bias,
  temperature: 0,
  onToken(chunk) {
    tokens += chunk.length;
  },
});
console.log(JSON.stringify({
  ok: true,
  modelPath,
  architecture: model.fileInfo.metadata?.general?.architecture ?? null,
  text,
  tokens,
}));
await context.dispose();
await model.dispose();
await llama.dispose();
