/** Learning why the remote end went away, for the message of a connection's close. */

/** How long a transport may take to say why the remote end went away (a child's exit status). */
const END_DETAIL_TIMEOUT_MS = 1000;

/**
 * Calls `then` with `base`, extended by what the transport can say about the remote end when it can
 * (a child's exit code and stderr). Synchronous when there is no transport detail, so closing a
 * plain socket is not delayed by a tick. A transport that fails to say, or takes too long, is
 * left out of the message.
 */
export function withEndDetail(
  describeEnd: (() => Promise<string | undefined>) | undefined,
  base: string,
  then: (message: string) => void,
): void {
  if (describeEnd === undefined) {
    then(base);
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fallback = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, END_DETAIL_TIMEOUT_MS, undefined);
  });
  let described: Promise<string | undefined>;
  try {
    described = Promise.resolve(describeEnd()).catch(() => undefined);
  } catch {
    described = Promise.resolve(undefined);
  }
  void Promise.race([described, fallback]).then((detail) => {
    clearTimeout(timer);
    then(typeof detail === 'string' && detail !== '' ? `${base}: ${detail}` : base);
  });
}
