import type { IocContainer, IocContainerFactory } from '@tsoa/runtime';
import type { Request } from 'express';
import { contextOf } from './context.js';

/** tsoa builds each controller per request, handing it the app's context. */
export const iocContainer: IocContainerFactory<Request> = (request) => ({
  get: (<T>(controller: unknown): T => new (controller as new (...args: unknown[]) => T)(contextOf(request))) as IocContainer['get'],
});
