export * from './errors.js';
export * from './messages.js';
export * from './invalid-response.js';
export * from './v1.js';
