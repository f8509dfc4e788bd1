import type { IocContainer, IocContainerFactory } from '@tsoa/runtime';
import type { Request } from 'express';
import type { Application } from '../application/application.js';

/** tsoa builds each controller per request, handing it the application (src/http/app.ts puts it in `app.locals`). */
export const iocContainer: IocContainerFactory<Request> = (request) => ({
  get: (<T>(controller: unknown): T =>
    new (controller as new (...args: unknown[]) => T)(request.app.locals.application as Application)) as IocContainer['get'],
});
