import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';

// Koa ships no types and @types/koa is not installed: the few parts the tests use, typed here.

/** A Koa context, as far as the tests use it. */
export interface KoaContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly path: string;
  status: number;
  body: unknown;
  readonly params: Record<string, string>;
  throw(status: number, message?: string): never;
}

/** A Koa middleware. */
export type KoaHandler = (ctx: KoaContext, next: () => Promise<unknown>) => unknown;

/** A Koa application. */
export interface KoaApp {
  silent: boolean;
  use(middleware: KoaHandler): KoaApp;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}

/** A @koa/router router. */
export interface KoaRouter {
  get(path: string, ...handlers: KoaHandler[]): KoaRouter;
  post(path: string, ...handlers: KoaHandler[]): KoaRouter;
  delete(path: string, ...handlers: KoaHandler[]): KoaRouter;
  use(path: string, ...handlers: KoaHandler[]): KoaRouter;
  routes(): KoaHandler;
  allowedMethods(options?: { throw?: boolean }): KoaHandler;
}

const require = createRequire(import.meta.url);

/** Koa 3 (`koa`) or Koa 2 (`koa2`, an npm alias of koa@2). */
export function loadKoa(name: 'koa' | 'koa2'): new () => KoaApp {
  return require(name) as new () => KoaApp;
}

/** @koa/router's Router class. */
export const Router = require('@koa/router') as new (options?: { prefix?: string }) => KoaRouter;
