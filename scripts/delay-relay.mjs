#!/usr/bin/env node
// A TCP relay that adds a fixed one-way delay in each direction, for kernels without the netem qdisc:
//   node scripts/delay-relay.mjs DELAY_MS LISTEN_HOST LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT
// It prints "ready" once listening. Each chunk, and each end of stream, is passed on DELAY_MS after it arrived, in
// arrival order (Node runs timers of one duration first in, first out). TCP's own handshake cannot be delayed from
// user space, so the relay connects upstream only 3 x DELAY_MS after accepting: the server then greets the client
// two round trips after its SYN, as across a real path (SYN, SYN-ACK, ACK, then the greeting one way). That holds
// for protocols where the server speaks first, as MySQL's does.
import net from "node:net";

const [delayArg, listenHost, listenPort, upHost, upPort] = process.argv.slice(2);
const delay = Number(delayArg);
if (!Number.isFinite(delay) || delay < 0 || !listenHost || !listenPort || !upHost || !upPort) {
  console.error("usage: delay-relay.mjs DELAY_MS LISTEN_HOST LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT");
  process.exit(2);
}

const later = (fn) => (delay > 0 ? setTimeout(fn, delay) : setImmediate(fn));

/** Copies from → to, each chunk and the end DELAY_MS late; an error on one side destroys the other as late. */
function forward(from, to) {
  from.on("data", (d) => later(() => to.destroyed || to.write(d)));
  from.on("end", () => later(() => to.destroyed || to.end()));
  from.on("error", () => later(() => to.destroy()));
  from.on("close", () => later(() => to.destroyed || to.writableEnded || to.end()));
}

const server = net.createServer({ pauseOnConnect: true }, (client) => {
  client.setNoDelay(true);
  client.on("error", () => {});
  setTimeout(() => {
    if (client.destroyed) return;
    const up = net.connect({ host: upHost, port: Number(upPort) });
    up.setNoDelay(true);
    up.on("error", () => {});
    forward(client, up);
    forward(up, client);
    client.resume();
  }, 3 * delay);
});
server.listen({ host: listenHost, port: Number(listenPort), backlog: 1024 }, () => console.log("ready"));
process.on("SIGTERM", () => process.exit(0));
