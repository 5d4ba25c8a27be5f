// A small llama.cpp inference server (node-llama-cpp's prebuilt CPU binary):
// the engine the Kubernetes end-to-end test runs in the example inference
// pod, loading the model the init container pulled onto its mount.
//
//   node serve_model.mjs MODEL_PATH [--port 8080] [--host 0.0.0.0]
//
// Loads the model, generates a few tokens once (printed as one JSON line:
// {"event": "generated", "modelPath", "architecture", "tokens", "text"}),
// then answers, as llama.cpp's llama-server does for these two:
//   GET  /health       200 {"status": "ok"} (the pod's readiness probe)
//   POST /completion   {"prompt", "n_predict"} -> {"content", "tokens_predicted"}
// and exits 0 on SIGTERM.
import http from "node:http";
import {getLlama, LlamaCompletion, TokenBias} from "node-llama-cpp";

const args = process.argv.slice(2);
const modelPath = args[0];
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const port = Number(option("--port", "8080"));
const host = option("--host", "0.0.0.0");
if (!modelPath) {
  console.error("usage: serve_model.mjs MODEL_PATH [--port N] [--host H]");
  process.exit(2);
}

const llama = await getLlama({gpu: false, build: "never", usePrebuiltBinaries: true,
                              skipDownload: true, logLevel: "error"});
const model = await llama.loadModel({modelPath});
// Random weights may well pick end-of-sequence first: ban it (and BOS) so the
// requested number of tokens comes out.
const bias = new TokenBias(model.tokenizer);
bias.set(model.tokens.eos, "never");
bias.set(model.tokens.bos, "never");
// One thread: the model is tiny, and llama.cpp's spinning threads cost more
// than they give on a busy 2-core machine.
const context = await model.createContext({contextSize: 256, threads: 1});
const completion = new LlamaCompletion({contextSequence: context.getSequence()});

// One generation at a time: the context has one sequence.
let queue = Promise.resolve();
function generate(prompt, maxTokens) {
  const run = queue.then(async () => {
    let tokens = 0;
    const text = await completion.generateCompletion(prompt, {
      maxTokens,
      tokenBias: bias,
      temperature: 0,
      onToken(chunk) {
        tokens += chunk.length;
      },
    });
    return {text, tokens};
  });
  queue = run.catch(() => {});
  return run;
}

const first = await generate("hello", 5);
console.log(JSON.stringify({
  event: "generated",
  modelPath,
  architecture: model.fileInfo.metadata?.general?.architecture ?? null,
  tokens: first.tokens,
  text: first.text,
}));

const server = http.createServer((req, res) => {
  const reply = (status, body) => {
    res.writeHead(status, {"Content-Type": "application/json"});
    res.end(JSON.stringify(body));
  };
  if (req.method === "GET" && req.url === "/health") return reply(200, {status: "ok"});
  if (req.method !== "POST" || req.url !== "/completion") return reply(404, {error: "not found"});
  let body = "";
  req.on("data", (chunk) => {
    body += chunk;
    if (body.length > 1 << 20) req.destroy();
  });
  req.on("end", async () => {
    try {
      const request = JSON.parse(body || "{}");
      const n = Math.min(Math.max(Number(request.n_predict ?? 8), 1), 64);
      const out = await generate(String(request.prompt ?? ""), n);
      reply(200, {content: out.text, tokens_predicted: out.tokens});
    } catch (error) {
      reply(400, {error: String(error?.message ?? error)});
    }
  });
});
server.listen(port, host, () => console.log(JSON.stringify({event: "listening", host, port})));
process.on("SIGTERM", () => {
  server.close();
  process.exit(0);
});
