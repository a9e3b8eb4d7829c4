// `mysql-tls-audit --json | head`: the reader may close the pipe before we are done writing. That is the reader's
// choice, not an error: stop writing to that stream and let the run end with its own exit code, quietly.

/** Makes EPIPE on stdout or stderr end output to that stream silently instead of throwing an 'error' event. */
export function quietOnClosedPipe(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
      // Later writes go nowhere; without this they would raise EPIPE again or ERR_STREAM_DESTROYED.
      stream.write = (() => true) as typeof stream.write;
    });
  }
}
