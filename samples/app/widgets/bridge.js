// Orderly widget runtime, inlined into each widget. It takes the tool result
// from the MCP Apps host bridge (ui/initialize, then
// ui/notifications/tool-result) or from ChatGPT's window.openai.toolOutput,
// and hands its structuredContent to render. No network, no storage, no
// privileged browser API: the widget only talks to its parent by postMessage.
function orderlyWidget(appName, render) {
  'use strict';
  var root = document.documentElement;
  function theme(ctx) {
    if (ctx && (ctx.theme === 'dark' || ctx.theme === 'light')) root.setAttribute('data-theme', ctx.theme);
  }
  var inFrame = window.parent !== window;
  function post(msg) {
    msg.jsonrpc = '2.0';
    window.parent.postMessage(msg, '*');
  }
  function show(data) {
    if (!data || typeof data !== 'object') return;
    render(data);
    if (inFrame) post({method: 'ui/notifications/size-changed', params: {height: Math.ceil(root.scrollHeight)}});
    if (window.openai && typeof window.openai.notifyIntrinsicHeight === 'function') window.openai.notifyIntrinsicHeight(Math.ceil(root.scrollHeight));
  }

  // ChatGPT's compatibility layer.
  if (window.openai) {
    theme({theme: window.openai.theme});
    show(window.openai.toolOutput);
  }
  window.addEventListener('openai:set_globals', function (e) {
    var g = e.detail && e.detail.globals;
    if (!g) return;
    theme({theme: g.theme});
    if (g.toolOutput) show(g.toolOutput);
  });

  // The MCP Apps bridge (JSON-RPC 2.0 over postMessage).
  if (!inFrame) return;
  var initID = 'orderly-init';
  window.addEventListener('message', function (e) {
    if (e.source !== window.parent) return;
    var m = e.data;
    if (!m || m.jsonrpc !== '2.0') return;
    if (m.id === initID && !m.method) {
      if (m.result) theme(m.result.hostContext);
      post({method: 'ui/notifications/initialized', params: {}});
      return;
    }
    switch (m.method) {
      case 'ui/notifications/tool-result':
        if (m.params && !m.params.isError) show(m.params.structuredContent);
        break;
      case 'ui/notifications/host-context-changed':
        theme(m.params);
        break;
      case 'ui/resource-teardown':
      case 'ping':
        post({id: m.id, result: {}});
        break;
    }
  });
  post({id: initID, method: 'ui/initialize', params: {
    appInfo: {name: appName, version: '1.0.0'},
    appCapabilities: {availableDisplayModes: ['inline']},
    protocolVersion: '2026-01-26'
  }});
}

// el builds an element; text goes in with textContent, never as HTML.
function el(tag, cls, children) {
  var n = document.createElement(tag);
  if (cls) n.className = cls;
  (children || []).forEach(function (c) {
    if (c === null || c === undefined) return;
    n.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  });
  return n;
}

function formatMoney(m) {
  if (!m) return '';
  return new Intl.NumberFormat('en-US', {style: 'currency', currency: m.currency || 'USD'}).format((m.amount_cents || 0) / 100);
}

function formatDate(s) {
  var d = new Date(s + 'T00:00:00Z');
  if (isNaN(d)) return s || '';
  return d.toLocaleDateString('en-US', {year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC'});
}

function statusPill(status) {
  return el('span', 'pill pill-' + status, [status]);
}
