// Starts the Go program: fetches main.wasm.gz and inflates it in the browser
// (DecompressionStream), falling back to main.wasm where that is missing or fails. It is
// the page's first script, so the download and the compile start before anything else.
"use strict";
(function () {
  // Vugu's renderer installs its JavaScript half with window.eval, which the
  // Content-Security-Policy forbids. vugu-helper.js already ran as a file, so that one
  // call becomes a no-op; every other eval still fails.
  const helperPrefix = "(function(){if(window.vuguRender)return;";
  window.eval = function (src) {
    if (typeof src === "string" && src.startsWith(helperPrefix) && window.vuguRender) {
      return undefined;
    }
    throw new EvalError("eval is disabled on this page");
  };

  // The browser keeps what is typed or pasted into a field within its maxlength, but a
  // value set by a script (an extension, autofill) can be any length, and Vugu copies the
  // field's whole value into every input event it hands to Go (as JSON, decoded there):
  // for a megabyte that costs seconds per event in wasm. So such a value is cut here, in
  // the capture phase, before Vugu's listener on the field runs; the field's
  // fusionlensCutFrom says how many characters it had (0 when not cut), and the Go side
  // reports the field as too long (site.State.SetClinicalCut).
  function codePoints(s) {
    let n = s.length;
    for (let i = 0; i + 1 < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) {
          n--;
          i++;
        }
      }
    }
    return n;
  }
  document.addEventListener("input", (ev) => {
    const f = ev.target;
    if (!(f instanceof HTMLInputElement) || f.maxLength < 0) {
      return;
    }
    const v = f.value;
    if (v.length <= f.maxLength) {
      f.fusionlensCutFrom = 0;
      return;
    }
    let end = f.maxLength;
    const last = v.charCodeAt(end - 1);
    if (last >= 0xd800 && last < 0xdc00) {
      end--; // do not split a surrogate pair
    }
    f.fusionlensCutFrom = codePoints(v);
    f.value = v.slice(0, end);
  }, true);

  // Fetch the model list and the default (first) model while the wasm downloads: the Go
  // side takes these responses instead of asking again (fetchLocal in site/jsio.go).
  const prefetched = {};
  window.fusionlensPrefetched = prefetched;
  function prefetch(url) {
    const p = fetch(url);
    p.catch(() => {}); // a failure is reported when the Go side reads it
    prefetched[url] = p;
    return p;
  }
  // build.sh writes the default model's path into index.html, so that it is fetched at
  // once, beside the model list and the wasm, rather than one round trip later when the
  // list has arrived (the list still decides: another first model is fetched then).
  const meta = document.querySelector('meta[name="fusionlens-default-model"]');
  const early = meta && meta.content.startsWith("models/") ? meta.content : "";
  if (early) {
    prefetch(early);
  }
  // The example cases "Load example case" shows (site.ExamplesURL, a few kB).
  prefetch("examples.bin");
  prefetch("models/index.json")
    .then((r) => (r.ok ? r.clone().json() : null))
    .then((idx) => {
      if (idx && Array.isArray(idx.models) && idx.models.length > 0 && typeof idx.models[0].file === "string") {
        const url = "models/" + idx.models[0].file;
        if (url !== early) {
          prefetch(url);
        }
        // Its reference file (the reference cohort encoded when the site was built).
        if (typeof idx.models[0].reference === "string") {
          prefetch("models/" + idx.models[0].reference);
        }
      }
    })
    .catch(() => {});

  function fail(msg) {
    const m = document.getElementById("mount") || document.body;
    const p = document.createElement("p");
    p.className = "fatal";
    p.setAttribute("role", "alert");
    p.textContent = msg;
    m.replaceChildren(p);
  }

  // Compile main.wasm while it downloads, from the moment this script runs (it is the
  // page's first script): compiling needs no imports, so it does not wait for
  // wasm_exec.js or the rest of the page. Instantiating (start, below) does.
  async function compile() {
    if (typeof DecompressionStream === "function") {
      try {
        const r = await fetch("main.wasm.gz");
        if (r.ok) {
          const body = r.body.pipeThrough(new DecompressionStream("gzip"));
          const wasm = new Response(body, { headers: { "Content-Type": "application/wasm" } });
          return await WebAssembly.compileStreaming(wasm);
        }
      } catch (e) {
        console.warn("main.wasm.gz failed, loading main.wasm:", e);
      }
    }
    return WebAssembly.compileStreaming(fetch("main.wasm"));
  }

  // parsed resolves once the document is parsed: the synchronous scripts after this one
  // (vugu-helper.js, wasm_exec.js) have run and #mount exists.
  const parsed = new Promise((resolve) => {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", resolve, { once: true });
    } else {
      resolve();
    }
  });

  async function start() {
    if (typeof WebAssembly !== "object") {
      await parsed;
      fail("This browser cannot run WebAssembly, which the explainer needs.");
      return;
    }
    const compiling = compile();
    compiling.catch(() => {}); // reported below, once the page can show it
    await parsed;
    const go = new Go();
    const instance = await WebAssembly.instantiate(await compiling, go.importObject);
    // Timing for tests and the curious: download + compile done; the Go program's first
    // render sets window.fusionlensReady.
    window.fusionlensCompiled = performance.now();
    // Install the offline copy only now: the wasm is in the HTTP cache, and on a slow
    // network the precache does not compete with the page's own download.
    registerServiceWorker();
    await go.run(instance);
    fail("The explainer stopped unexpectedly. Reload the page to start again; nothing you loaded was sent anywhere.");
  }

  function registerServiceWorker() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("sw.js").catch((e) => console.warn("offline cache unavailable:", e));
    }
  }

  start().catch((e) => parsed.then(() => fail("Could not start the explainer: " + e)));
})();
