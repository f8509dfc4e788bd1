import { describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { recordingMismatches, responseMismatch } from '../support/response-contract.js';

const json = 'application/json; charset=utf-8';
const problemJson = 'application/problem+json';
const fund = { code: 'RRF', name: { lv: 'Atveseļošanas un noturības mehānisms', en: 'Recovery and Resilience Facility' } };

describe('the response check every HTTP test runs', () => {
  it('when a status is not declared for the operation, it says so and lists the declared ones', () => {
    expect(responseMismatch('GET', '/funds/RRF', { status: 418, contentType: json, body: {}, headerNames: [] })).toMatch(
      /^GET \/funds\/\{code\} → 418: status not declared \(declared: 200, .*404/,
    );
  });

  it('when an error comes as plain JSON instead of problem+json, it names the media type', () => {
    const body = { type: 'x', title: 'Not found', status: 404, detail: 'no fund' };
    expect(responseMismatch('GET', '/funds/XYZ', { status: 404, contentType: json, body, headerNames: [] })).toBe(
      'GET /funds/{code} → 404: media type application/json not declared (declared: application/problem+json)',
    );
    expect(responseMismatch('GET', '/funds/XYZ', { status: 404, contentType: problemJson, body, headerNames: [] })).toBeNull();
  });

  it('when a body breaks the schema (a field missing, a field the schema does not have), it names where', () => {
    const mismatch = responseMismatch('GET', '/funds/RRF', {
      status: 200,
      contentType: json,
      body: { ...fund, colour: 'blue' },
      headerNames: [],
    });
    expect(mismatch).toMatch(/^GET \/funds\/\{code\} → 200: body does not match the schema: /);
    expect(mismatch).toMatch(/colour|required/);
  });

  it('when an answer carries ETag, Location or Idempotent-Replayed that the document does not declare for it, it names the header', () => {
    const body = { type: 'x', title: 'Not found', status: 404, detail: 'no fund' };
    expect(responseMismatch('GET', '/funds/XYZ', { status: 404, contentType: problemJson, body, headerNames: ['ETag'] })).toBe(
      'GET /funds/{code} → 404: header etag sent but not declared',
    );
  });

  it('when the path is no operation of the document (the docs, an unknown route), nothing is checked', () => {
    expect(responseMismatch('GET', '/docs/index.html', { status: 200, contentType: 'text/html', body: '', headerNames: [] })).toBeNull();
    expect(responseMismatch('GET', '/no/such/route', { status: 404, contentType: problemJson, body: {}, headerNames: [] })).toBeNull();
  });

  it('when mounted in front of an app, it records what a client that is not supertest received (the guide runs curl)', async () => {
    const found: string[] = [];
    const app = express()
      .set('etag', false)
      .use(recordingMismatches(found))
      .use((_req, res) => void res.status(404).json({ type: 'x', title: 'Not found', status: 404, detail: 'no fund' }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await (await fetch(`http://127.0.0.1:${port}/funds/XYZ`)).text();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(found).toEqual(['GET /funds/{code} → 404: media type application/json not declared (declared: application/problem+json)']);
    } finally {
      server.close();
    }
  });
});
