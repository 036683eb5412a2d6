// dossier's window.openai compatibility object for legacy
// text/html+skybridge widgets, defined before the widget's scripts run. Its
// calls go to the host page over the same postMessage bridge as MCP Apps
// messages; the host answers from recorded results and never calls the
// live server.
(function () {
  "use strict";
  var CFG = __DOSSIER_CFG__;
  var parentWin = window.parent;
  var post = parentWin.postMessage.bind(parentWin);
  var pending = {}, n = 0;
  window.addEventListener("message", function (e) {
    if (e.source !== parentWin) return;
    var m = e.data;
    if (!m || typeof m.id !== "string" || m.id.indexOf("dossier-openai:") !== 0 || !pending[m.id]) return;
    var p = pending[m.id];
    delete pending[m.id];
    if (m.error) p.reject(new Error(m.error.message)); else p.resolve(m.result);
  });
  function request(method, params) {
    return new Promise(function (resolve, reject) {
      var id = "dossier-openai:" + (++n);
      pending[id] = { resolve: resolve, reject: reject };
      post({ jsonrpc: "2.0", id: id, method: method, params: params }, "*");
    });
  }
  function notify(method, params) { post({ jsonrpc: "2.0", method: method, params: params }, "*"); }
  function unsupported(name) {
    return function () { notify("dossier/openai", { call: name }); return Promise.reject(new Error(name + " is not available in the dossier test host")); };
  }
  var openai = {
    toolInput: CFG.toolInput, toolOutput: CFG.toolOutput, toolResponseMetadata: CFG.toolResponseMetadata,
    widgetState: null, theme: "light", displayMode: "inline", maxHeight: 760, locale: "en-US",
    safeArea: { insets: { top: 0, bottom: 0, left: 0, right: 0 } },
    userAgent: { device: { type: "desktop" }, capabilities: { hover: true, touch: false } },
    view: { mode: "inline" },
    callTool: function (name, args) { return request("tools/call", { name: name, arguments: args || {} }); },
    sendFollowUpMessage: function (o) {
      return request("ui/message", { role: "user", content: [{ type: "text", text: String((o && o.prompt) || "") }] }).then(function () {});
    },
    setWidgetState: function (s) { openai.widgetState = s; notify("dossier/openai", { call: "setWidgetState" }); },
    requestDisplayMode: function (o) { return request("ui/request-display-mode", { mode: o && o.mode }); },
    openExternal: function (o) { return request("ui/open-link", { url: String(o && o.href) }); },
    notifyIntrinsicHeight: function (h) { notify("ui/notifications/size-changed", { height: h }); },
    requestClose: function () { notify("dossier/openai", { call: "requestClose" }); },
    setOpenInAppUrl: function () { notify("dossier/openai", { call: "setOpenInAppUrl" }); },
    requestModal: unsupported("requestModal"),
    uploadFile: unsupported("uploadFile"),
    selectFiles: unsupported("selectFiles"),
    getFileDownloadUrl: unsupported("getFileDownloadUrl"),
    requestCheckout: unsupported("requestCheckout")
  };
  openai.sendFollowupTurn = openai.sendFollowUpMessage;
  // The widget's reads of window.openai show that a skybridge widget
  // started: each property name is reported once to the host page.
  var used = {};
  window.openai = new Proxy(openai, {
    get: function (t, prop, recv) {
      if (typeof prop === "string" && !used[prop]) {
        used[prop] = true;
        try { post({ __dossier: CFG.token, ev: { t: "openai", api: prop } }, "*"); } catch (e) {}
      }
      return Reflect.get(t, prop, recv);
    }
  });
  window.addEventListener("DOMContentLoaded", function () {
    window.dispatchEvent(new CustomEvent("openai:set_globals", { detail: { globals: {
      toolInput: openai.toolInput, toolOutput: openai.toolOutput, toolResponseMetadata: openai.toolResponseMetadata,
      theme: openai.theme, displayMode: openai.displayMode, maxHeight: openai.maxHeight, locale: openai.locale
    } } }));
  });
})();
