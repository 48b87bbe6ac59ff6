export * from './errors.js';
export * from './messages.js';
export * from './invalid-response.js';
