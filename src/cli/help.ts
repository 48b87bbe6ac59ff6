/** The texts of `jsonrpc-wire --help` and `jsonrpc-wire help CMD`. */

export const USAGE = `Usage:
  jsonrpc-wire serve (--stdio | --tcp HOST:PORT | --socket PATH) --methods FILE.mjs [options]
  jsonrpc-wire call METHOD [PARAMS_JSON] [options] (--tcp HOST:PORT | --socket PATH | --stdio -- CMD [ARGS...])
  jsonrpc-wire call --script FILE|- [options] (--tcp HOST:PORT | --socket PATH | --stdio -- CMD [ARGS...])
  jsonrpc-wire tap [--log FILE] [options] -- CMD [ARGS...]
  jsonrpc-wire tap --tcp LISTEN_HOST:PORT --to HOST:PORT [--log FILE] [options]
  jsonrpc-wire stats LOG.jsonl [--html REPORT.html]
  jsonrpc-wire describe [options] (--tcp HOST:PORT | --socket PATH | --stdio -- CMD [ARGS...])
  jsonrpc-wire help [serve|call|tap|stats|describe]
  jsonrpc-wire --version

Run 'jsonrpc-wire help COMMAND' (serve, call, tap, stats or describe) for each command's options.`;

const FRAMING = `  --framing F         auto (default), newline, content-length or json-stream. auto reads the
                      framing from the first bytes received, then writes in it too`;

const EXIT_CODES = `Exit codes: 0 ok, 1 an error response, 2 bad arguments, 3 no usable connection (refused,
closed, not JSON-RPC, wrong framing), 4 timeout, 5 stdout closed by its reader (e.g. | head),
130/143 interrupted by SIGINT/SIGTERM.`;

export const HELP = {
  describe: `Usage: jsonrpc-wire describe [options] (--tcp HOST:PORT | --socket PATH | --stdio -- CMD [ARGS...])

Asks the server for its OpenRPC description (rpc.discover) and prints its methods, with their
params, results and declared errors. 'jsonrpc-wire call rpc.discover ...' prints the document as JSON.

Options: --framing F, --timeout MS, --verbose (as for 'jsonrpc-wire help call'); -h, --help.`,

  serve: `Usage: jsonrpc-wire serve (--stdio | --tcp HOST:PORT | --socket PATH) --methods FILE.mjs [options]

Serves every function FILE.mjs exports (and the methods of an object default export).

Options:
  --methods FILE.mjs  the module whose exported functions are served
${FRAMING}
  --grace MS          on SIGINT/SIGTERM stop accepting and give calls in flight MS milliseconds to
                      finish (default 5000); a second signal exits at once
  -h, --help          show this help

A Unix socket left behind by a crashed server is detected (nobody listens on it) and replaced.

Exit codes: 0 stopped by a signal, 2 bad arguments, 3 cannot listen.`,

  call: `Usage: jsonrpc-wire call METHOD [PARAMS_JSON] [options] (--tcp HOST:PORT | --socket PATH | --stdio -- CMD [ARGS...])
       jsonrpc-wire call --script FILE|- [options] (...)

Sends one request (or a script of them) and prints each result as JSON on stdout.

Options:
${FRAMING}.
                      Until the server sends something, auto writes newline-delimited JSON, and
                      a server that sends nothing readable for 2 s after the first request is
                      reported (a language server spoken to in newline framing says nothing at
                      all: pass --framing content-length)
  --timeout MS        give up after MS milliseconds (default 30000); connecting counts, and in a
                      script each step gets MS
  --verbose           print the server's notifications and requests, and stray responses, to stderr
  --trace             print every message both ways to stderr as it crosses: its time since the
                      call started, its size and, for a response, its request's method and latency
  --script FILE|-     run one step per line: {"method": "...", "params": ..., "notification": true?};
                      blank lines and lines starting with # or // are skipped. Each result is printed
                      as one line {"line": N, "method": "...", "result": ...} (or "error": ...)
  --keep-going        in a script, run the remaining steps after an error response
  -h, --help          show this help

With --stdio, CMD is started with its stdin/stdout as the connection; SIGINT/SIGTERM are passed on
to it, and it is killed if it has not exited 2 s later.

${EXIT_CODES}`,

  tap: `Usage: jsonrpc-wire tap [--log FILE] [--framing F] [--redact] -- CMD [ARGS...]
       jsonrpc-wire tap --tcp LISTEN_HOST:PORT --to HOST:PORT [--log FILE] [--framing F] [--redact]

A transparent proxy that logs the traffic: start it where an editor or MCP host would start the
server. Every byte passes through unchanged both ways; each message is also written to the log as
one JSON line (time, direction, framing, size, the message; for a response, the method and latency
of its request). EOF, the server's stderr, its exit code and SIGINT/SIGTERM/SIGHUP pass through.

Options:
  --log FILE          append the log to FILE (default: stderr)
  --framing F         how the log reads the bytes: auto (default: detected in each direction from
                      its first bytes), newline, content-length or json-stream; never changes them
  --redact            log params, results and error data as their shape only ("string(12)")
  --tcp LISTEN --to HOST:PORT
                      listen on LISTEN and forward each connection to HOST:PORT
  -h, --help          show this help

Read the log with 'jsonrpc-wire stats FILE'.

Exit codes: the server's (tap dies of the signal the server died of); 2 bad arguments, 3 the
server cannot be started or LISTEN is taken.`,

  stats: `Usage: jsonrpc-wire stats LOG.jsonl [--html REPORT.html]

Summarizes a tap log: per method, requests, notifications, error responses, requests never
answered and latency p50/p95/p99/max; the largest messages; every request never answered.

Options:
  --html FILE         also write a self-contained page (no script, nothing loaded) with a latency
                      histogram and a timeline of the session
  -h, --help          show this help

Exit codes: 0 ok, 2 bad arguments or an unreadable log.`,
} as const;

export type Topic = keyof typeof HELP;
