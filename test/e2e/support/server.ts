/**
 * web/dist served on a free port of 127.0.0.1 by the Weir server's own router (server/src/http/static.ts), so the
 * browser suites run the editor under the headers it gets in production, its Content-Security-Policy included.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { webAppRouter } from '../../../server/src/http/static.ts';
import { distDir } from './build.ts';

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export async function serveDist(root = distDir): Promise<StaticServer> {
  const app = express().use(webAppRouter(root));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
