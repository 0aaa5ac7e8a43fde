// Service worker: keeps a copy of the whole site so the explainer keeps working with the
// network cut. build.sh fills in VERSION (a hash of every file) and ASSETS; a new build
// gets a new cache and the old one is deleted.
"use strict";
const VERSION = "__FUSIONLENS_VERSION__";
const ASSETS = __FUSIONLENS_ASSETS__;
const CACHE = "fusionlens-" + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith("fusionlens-") && k !== CACHE).map((k) => caches.delete(k))
      ))
      .then(() => self.clients.claim())
  );
});

// Cache first: every file of a build is immutable under its VERSION. Only same-origin GETs
// are ever seen here (the page's CSP allows nothing else).
self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET" || new URL(req.url).origin !== self.location.origin) {
    return;
  }
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(req, { ignoreSearch: true });
    if (hit) {
      return hit;
    }
    try {
      const resp = await fetch(req);
      if (resp.ok && resp.type === "basic") {
        cache.put(req, resp.clone());
      }
      return resp;
    } catch (err) {
      if (req.mode === "navigate") {
        const page = await cache.match("./");
        if (page) {
          return page;
        }
      }
      throw err;
    }
  })());
});
