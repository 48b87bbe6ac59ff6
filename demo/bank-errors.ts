/** An application error both sides of the demo know, so it crosses the wire as itself. */
import { JsonRpcException } from '../src/index.js';

export class InsufficientFundsError extends JsonRpcException {
  static override readonly code = 1001;
  static override readonly defaultMessage = 'Insufficient funds';
}
JsonRpcException.register(InsufficientFundsError);
