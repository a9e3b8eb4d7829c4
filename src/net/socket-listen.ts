import type net from "node:net";

/**
 * Reads a socket until the caller stops: `onData` for each chunk, `onEnd` for its end, close or error alike (the
 * reader of a TLS flight cares only that no more bytes will come). Returns the function that stops listening.
 */
export function listenUntilEnd(socket: net.Socket, onData: (d: Buffer) => void, onEnd: () => void): () => void {
  socket.on("data", onData);
  socket.on("end", onEnd);
  socket.on("close", onEnd);
  socket.on("error", onEnd);
  return () => {
    socket.off("data", onData);
    socket.off("end", onEnd);
    socket.off("close", onEnd);
    socket.off("error", onEnd);
  };
}
