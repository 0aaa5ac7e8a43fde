// The ground-truth check's Web Worker: starts check.wasm (built from ./wasm/check) with
// Go's wasm_exec.js and hands it the page's requests. The page creates this worker only
// when the user asks for a check. Fetches only this site's own files.
"use strict";
importScripts("wasm_exec.js");

// Requests that arrive before the Go program is ready wait here.
const queue = [];
let serve = null;
self.onmessage = (e) => {
  if (serve) {
    serve(e.data);
  } else {
    queue.push(e.data);
  }
};

// The Go program calls this once with its message handler.
self.fusionlensCheckServe = (handler) => {
  serve = handler;
  while (queue.length > 0) {
    handler(queue.shift());
  }
};

async function instantiate(go) {
  if (typeof DecompressionStream === "function") {
    try {
      const r = await fetch("check.wasm.gz");
      if (r.ok) {
        const body = r.body.pipeThrough(new DecompressionStream("gzip"));
        const wasm = new Response(body, { headers: { "Content-Type": "application/wasm" } });
        return await WebAssembly.instantiateStreaming(wasm, go.importObject);
      }
    } catch (e) {
      console.warn("check.wasm.gz failed, loading check.wasm:", e);
    }
  }
  return WebAssembly.instantiateStreaming(fetch("check.wasm"), go.importObject);
}

(async () => {
  const go = new Go();
  const { instance } = await instantiate(go);
  await go.run(instance);
  throw new Error("the check's program stopped");
})().catch((e) => {
  // id 0: about the worker itself, not one request; the page ends every waiting check.
  self.postMessage({ id: 0, type: "error", message: "The ground-truth check could not run: " + e });
});
