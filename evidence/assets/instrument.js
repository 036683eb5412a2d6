// dossier instrumentation: runs first in the widget document, before any of
// the widget's own code. It wraps privileged browser APIs and every way to
// start a network request, and reports each attempt to the host page by
// postMessage (never over the network, which would need a hole in the CSP
// under test). It calls the real API afterwards, so the sandbox and the CSP
// decide what actually happens.
(function () {
  "use strict";
  var CFG = __DOSSIER_CFG__;
  var parentWin = window.parent;
  // Bound now, before the widget can replace anything.
  var post = parentWin.postMessage.bind(parentWin);
  function send(ev) {
    try { post({ __dossier: CFG.token, ev: ev }, "*"); } catch (e) {}
  }
  function abs(u) {
    try { return new URL(String(u), document.baseURI).href; } catch (e) { return String(u); }
  }
  function str(v) { try { return String(v); } catch (e) { return "?"; } }
  function req(kind, url) { send({ t: "req", kind: kind, url: abs(url) }); }
  function priv(api, detail) { send({ t: "priv", api: api, detail: detail || "" }); }
  function escape(what, detail) { send({ t: "escape", what: what, detail: detail || "" }); }

  function wrap(obj, name, before) {
    if (!obj) return;
    var orig;
    try { orig = obj[name]; } catch (e) { return; }
    if (typeof orig !== "function") return;
    try {
      obj[name] = function () {
        try { before.apply(this, arguments); } catch (e) {}
        return orig.apply(this, arguments);
      };
    } catch (e) {}
  }
  function wrapCtor(holder, name, before) {
    var orig = holder[name];
    if (typeof orig !== "function") return;
    try {
      holder[name] = new Proxy(orig, {
        construct: function (t, args, nt) {
          try { before(args); } catch (e) {}
          return Reflect.construct(t, args, nt);
        }
      });
    } catch (e) {}
  }
  function wrapSetter(proto, prop, kind) {
    if (!proto) return;
    var d = Object.getOwnPropertyDescriptor(proto, prop);
    if (!d || !d.set) return;
    var set = d.set;
    Object.defineProperty(proto, prop, {
      configurable: true, enumerable: d.enumerable, get: d.get,
      set: function (v) { try { req(kind, v); } catch (e) {} return set.call(this, v); }
    });
  }
  function privMethods(proto, label, names) {
    if (!proto) return;
    names.forEach(function (n) {
      wrap(proto, n, function () { priv(label + "." + n); });
    });
  }

  // Quiescence. The host takes its screenshot when the widget has settled,
  // not after a fixed delay: after the load event, no fetch or XHR in
  // flight, no pending timer short enough to fire within the host's cap (it
  // may start a request), no animation frame requested, and no message from
  // the host, for quietMs; then its fonts are loaded, its images decoded and
  // its finite animations finished (each awaited by its own event, and the
  // count starts again). Then "quiet" is sent. A widget that never
  // settles (a requestAnimationFrame loop, a spinner timer) is cut off by
  // the host's cap.
  var setT = window.setTimeout, clearT = window.clearTimeout, setI = window.setInterval;
  var pending = 0, loaded = false, quietTimer = 0, saidQuiet = false, timers = new Set(), seen = 0;
  function rearm() {
    if (quietTimer) { clearT.call(window, quietTimer); quietTimer = 0; }
    if (!loaded || pending > 0 || saidQuiet) return;
    quietTimer = setT.call(window, function () {
      quietTimer = 0;
      if (pending > 0 || saidQuiet) return;
      var wait = unsettled();
      if (wait) { wait.then(rearm, rearm); return; }
      saidQuiet = true;
      send({ t: "quiet", seen: seen });
    }, CFG.quietMs);
  }
  // unsettled is a promise for what still changes the pixels: fonts being
  // loaded, images still loading, finite animations and transitions
  // running. Infinite animations never finish and are not waited for.
  function unsettled() {
    var waits = [];
    try { if (document.fonts && document.fonts.status !== "loaded") waits.push(document.fonts.ready); } catch (e) {}
    try {
      Array.prototype.forEach.call(document.images, function (img) {
        if (!img.complete) waits.push(new Promise(function (r) { img.addEventListener("load", r, { once: true }); img.addEventListener("error", r, { once: true }); }));
      });
    } catch (e) {}
    try {
      document.getAnimations().forEach(function (a) {
        if (a.playState !== "running") return;
        var end = a.effect && a.effect.getComputedTiming ? a.effect.getComputedTiming().endTime : Infinity;
        if (isFinite(end)) waits.push(a.finished);
      });
    } catch (e) {}
    return waits.length ? Promise.all(waits.map(function (p) { return Promise.resolve(p).catch(function () {}); })) : null;
  }
  function busy() { pending++; rearm(); }
  function idle() { if (pending > 0) pending--; rearm(); }
  window.addEventListener("load", function () { loaded = true; rearm(); }, true);
  // Each message from the host starts the count again, and the widget may
  // say "quiet" once more: with how many host messages it had seen, so the
  // host knows the quiet came after everything it sent.
  window.addEventListener("message", function (e) {
    if (e.source !== parentWin) return;
    seen++;
    saidQuiet = false;
    rearm();
  }, true);
  function short(ms) { var d = Number(ms) || 0; return d <= CFG.timerCapMs; }
  // An animation frame is pending from its request until its callback has
  // run: a requestAnimationFrame loop (a chart drawing itself in) keeps
  // the widget busy until it stops asking.
  var raf = window.requestAnimationFrame, caf = window.cancelAnimationFrame, frames = new Set();
  if (typeof raf === "function") {
    try {
      window.requestAnimationFrame = function (fn) {
        var id;
        busy();
        id = raf.call(window, function (ts) {
          try { if (typeof fn === "function") return fn.call(this, ts); } finally { if (frames.delete(id)) idle(); }
        });
        frames.add(id);
        return id;
      };
      window.cancelAnimationFrame = function (id) { if (frames.delete(id)) idle(); return caf.apply(window, arguments); };
    } catch (e) {}
  }
  try {
    window.setTimeout = function (fn, ms) {
      if (typeof fn !== "function" || !short(ms)) return setT.apply(window, arguments);
      var extra = Array.prototype.slice.call(arguments, 2), id;
      busy();
      id = setT.call(window, function () {
        try { return fn.apply(this, extra); } finally { if (timers.delete(id)) idle(); }
      }, ms);
      timers.add(id);
      return id;
    };
    window.setInterval = function (fn, ms) { // pending until its first tick
      if (typeof fn !== "function" || !short(ms)) return setI.apply(window, arguments);
      var extra = Array.prototype.slice.call(arguments, 2), id;
      busy();
      id = setI.call(window, function () {
        try { return fn.apply(this, extra); } finally { if (timers.delete(id)) idle(); }
      }, ms);
      timers.add(id);
      return id;
    };
    var clear = function (orig) {
      return function (id) { if (timers.delete(id)) idle(); return orig.apply(window, arguments); };
    };
    window.clearTimeout = clear(clearT);
    window.clearInterval = clear(window.clearInterval);
  } catch (e) {}

  // Network.
  var fetchFn = window.fetch;
  if (typeof fetchFn === "function") {
    window.fetch = function (input) {
      try { req("fetch", input && typeof input === "object" && "url" in input ? input.url : input); } catch (e) {}
      busy();
      var p;
      try { p = fetchFn.apply(this, arguments); } catch (e) { idle(); throw e; }
      p.then(idle, idle);
      return p;
    };
  }
  wrap(XMLHttpRequest.prototype, "open", function (method, url) { req("xhr", url); });
  wrap(XMLHttpRequest.prototype, "send", function () {
    busy();
    this.addEventListener("loadend", idle, { once: true });
  });
  wrap(Navigator.prototype, "sendBeacon", function (url) { req("beacon", url); });
  wrapCtor(window, "WebSocket", function (a) { req("websocket", a[0]); });
  wrapCtor(window, "EventSource", function (a) { req("eventsource", a[0]); });
  wrapCtor(window, "Worker", function (a) { req("worker", a[0]); });
  wrapCtor(window, "SharedWorker", function (a) { req("worker", a[0]); });
  wrapSetter(window.HTMLImageElement && HTMLImageElement.prototype, "src", "img");
  wrapSetter(window.HTMLScriptElement && HTMLScriptElement.prototype, "src", "script");
  wrapSetter(window.HTMLLinkElement && HTMLLinkElement.prototype, "href", "link");
  wrapSetter(window.HTMLIFrameElement && HTMLIFrameElement.prototype, "src", "iframe");
  wrapSetter(window.HTMLMediaElement && HTMLMediaElement.prototype, "src", "media");
  wrapSetter(window.HTMLSourceElement && HTMLSourceElement.prototype, "src", "media");
  var kinds = { IMG: "img", SCRIPT: "script", LINK: "link", IFRAME: "iframe", VIDEO: "media", AUDIO: "media", SOURCE: "media", EMBED: "embed", OBJECT: "embed" };
  wrap(Element.prototype, "setAttribute", function (name, value) {
    var n = str(name).toLowerCase(), k = kinds[this.tagName];
    if (k && (n === "src" || n === "href" || n === "data")) req(k, value);
  });
  try {
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (e) { req("resource:" + e.initiatorType, e.name); });
    }).observe({ type: "resource", buffered: true });
  } catch (e) {}
  document.addEventListener("securitypolicyviolation", function (e) {
    send({ t: "csp", directive: e.effectiveDirective, blocked: e.blockedURI, detail: e.sourceFile + ":" + e.lineNumber });
  }, true);

  // Privileged APIs.
  privMethods(window.Geolocation && Geolocation.prototype, "navigator.geolocation", ["getCurrentPosition", "watchPosition"]);
  privMethods(window.MediaDevices && MediaDevices.prototype, "navigator.mediaDevices", ["getUserMedia", "getDisplayMedia"]);
  ["getUserMedia", "webkitGetUserMedia"].forEach(function (n) {
    wrap(Navigator.prototype, n, function () { priv("navigator." + n); });
  });
  privMethods(window.Clipboard && Clipboard.prototype, "navigator.clipboard", ["read", "readText", "write", "writeText"]);
  wrap(Document.prototype, "execCommand", function (cmd) {
    var c = str(cmd).toLowerCase();
    if (c === "copy" || c === "cut" || c === "paste") priv("document.execCommand", c);
  });
  if (window.Notification) {
    wrap(Notification, "requestPermission", function () { priv("Notification.requestPermission"); });
    wrapCtor(window, "Notification", function () { priv("new Notification"); });
  }
  wrapCtor(window, "PaymentRequest", function () { priv("new PaymentRequest"); });
  privMethods(window.USB && USB.prototype, "navigator.usb", ["requestDevice", "getDevices"]);
  privMethods(window.Serial && Serial.prototype, "navigator.serial", ["requestPort", "getPorts"]);
  privMethods(window.HID && HID.prototype, "navigator.hid", ["requestDevice", "getDevices"]);
  privMethods(window.Bluetooth && Bluetooth.prototype, "navigator.bluetooth", ["requestDevice"]);
  privMethods(window.CredentialsContainer && CredentialsContainer.prototype, "navigator.credentials", ["get", "create", "store"]);
  ["alert", "confirm", "prompt", "print"].forEach(function (n) {
    wrap(window, n, function () { priv("window." + n); });
  });
  wrap(window, "open", function (url, target) {
    var t = str(target || "_blank");
    priv("window.open", abs(url || "about:blank") + " " + t);
    if (t === "_top" || t === "_parent") escape("window.open into " + t, abs(url));
  });

  // Sandbox escapes the page can see: links and forms aimed at the host's
  // frames, document.domain, and uncaught cross-origin access errors.
  // (window.top is unforgeable and cross-origin, so a caught access to
  // top.location or parent.document is only visible in the console, which
  // the harness records too.)
  function targetsHost(el) {
    var t = el && el.getAttribute && str(el.getAttribute("target")).toLowerCase();
    return t === "_top" || t === "_parent";
  }
  document.addEventListener("click", function (e) {
    var a = e.target && e.target.closest && e.target.closest("a[target]");
    if (a && targetsHost(a)) escape("link into " + a.getAttribute("target"), abs(a.href));
  }, true);
  document.addEventListener("submit", function (e) {
    if (targetsHost(e.target)) escape("form into " + e.target.getAttribute("target"), abs(e.target.action));
  }, true);
  var dd = Object.getOwnPropertyDescriptor(Document.prototype, "domain");
  if (dd && dd.set) {
    Object.defineProperty(Document.prototype, "domain", {
      configurable: true, get: dd.get,
      set: function (v) { escape("document.domain", str(v)); return dd.set.call(this, v); }
    });
  }
  // Only the host page's frames: a SecurityError for storage the sandbox
  // withholds (no allow-same-origin) is not an escape.
  function crossOrigin(msg) { return /cross-origin frame|Blocked a frame/.test(msg); }
  // A script or stylesheet that does not arrive fires "error" on its
  // element (which does not bubble, so it is caught on the way down);
  // an uncaught exception fires it on the window.
  window.addEventListener("error", function (e) {
    var el = e.target;
    if (el && el !== window && el.tagName) {
      var tag = str(el.tagName), kind = tag.toLowerCase(), url = el.src || el.href || "";
      if (tag === "LINK") kind = /(^|\s)stylesheet(\s|$)/i.test(str(el.rel)) ? "style" : "link";
      send({ t: "loadfail", kind: kind, url: abs(url) });
      return;
    }
    var m = str(e.message);
    send({ t: "error", detail: m + (e.filename ? " (" + e.filename + ":" + e.lineno + ")" : "") });
    if (crossOrigin(m)) escape("cross-origin access to the host", m);
  }, true);
  window.addEventListener("unhandledrejection", function (e) {
    var m = str(e.reason && (e.reason.name + ": " + e.reason.message));
    send({ t: "error", detail: "unhandled rejection: " + m });
  });
})();
