// Preloaded (node --import) into each corpus server: the examples listen on
// every interface (app.listen(port)); the test wants them on loopback only,
// so a listen that names a port but no host gets 127.0.0.1. Nothing else
// about the server changes: its own middleware (no Origin or Host checks
// when it means to bind 0.0.0.0) is what dossier judges.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first, second] = args;
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    if (typeof second !== "string") args.splice(1, 0, "127.0.0.1");
  } else if (first && typeof first === "object" && first.port !== undefined && first.host === undefined && first.path === undefined) {
    args[0] = { ...first, host: "127.0.0.1" };
  }
  return listen.apply(this, args);
};
