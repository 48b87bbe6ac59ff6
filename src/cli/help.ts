/** The texts of `jsonrpc-wire --help` and `jsonrpc-wire help CMD`. */

export const USAGE = `Usage:
  jsonrpc-wire serve (--stdio | --tcp HOST:PORT | --socket PATH) --methods FILE.mjs [options]
  jsonrpc-wire call METHOD [PARAMS_JSON] [options] (--tcp HOST:PORT | --socket PATH | --stdio -- CMD [ARGS...])
  jsonrpc-wire call --script FILE|- [options] (--tcp HOST:PORT | --socket PATH | --stdio -- CMD [ARGS...])
  jsonrpc-wire help [serve|call]
  jsonrpc-wire --version

Run 'jsonrpc-wire help serve' or 'jsonrpc-wire help call' for each command's options.`;

const FRAMING = `  --framing F         auto (default), newline, content-length or json-stream. auto reads the
                      framing from the first bytes received, then writes in it too`;

const EXIT_CODES = `Exit codes: 0 ok, 1 an error response, 2 bad arguments, 3 no usable connection (refused,
closed, not JSON-RPC, wrong framing), 4 timeout, 5 stdout closed by its reader (e.g. | head),
130/143 interrupted by SIGINT/SIGTERM.`;

export const HELP = {
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
  --script FILE|-     run one step per line: {"method": "...", "params": ..., "notification": true?};
                      blank lines and lines starting with # or // are skipped. Each result is printed
                      as one line {"line": N, "method": "...", "result": ...} (or "error": ...)
  --keep-going        in a script, run the remaining steps after an error response
  -h, --help          show this help

With --stdio, CMD is started with its stdin/stdout as the connection; SIGINT/SIGTERM are passed on
to it, and it is killed if it has not exited 2 s later.

${EXIT_CODES}`,
} as const;

export type Topic = keyof typeof HELP;
