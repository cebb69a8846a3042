// Which requests the dev server refuses before routing them (lib/local/requestGuard.ts):
// requests not addressed to it on loopback (DNS rebinding), requests a browser sends
// from another origin, and bodies of a type a page could send without a preflight.
import { describe, expect, it } from 'vitest';
import { allowedHosts, refusal } from '../../../lib/local/requestGuard.ts';

const hosts = allowedHosts(9192);
const check = (headers: Record<string, string>, url = '/v1/topics') => refusal({ headers, url }, hosts);
const code = (headers: Record<string, string>, url?: string) => check(headers, url)?.code;

describe('Host', () => {
  it('accepts the loopback names with the server port, in any case', () => {
    for (const host of ['127.0.0.1:9192', 'localhost:9192', '[::1]:9192', 'LocalHost:9192']) expect(check({ host })).toBeUndefined();
  });

  it('refuses any other name (DNS rebinding), another port, or no Host at all', () => {
    for (const host of ['attacker.example:9192', 'attacker.example', '127.0.0.1', 'localhost:80', '127.0.0.2:9192', 'localhost.:9192']) {
      expect(code({ host }), host).toBe('CLUSTER_AUTHORIZATION_FAILED');
    }
    expect(code({})).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(check({ host: 'attacker.example:9192' })?.status).toBe(403);
  });

  it('refuses an absolute-form target naming another host', () => {
    expect(code({ host: 'localhost:9192' }, 'http://attacker.example:9192/v1/topics')).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(check({ host: 'localhost:9192' }, 'http://localhost:9192/v1/topics')).toBeUndefined();
  });

  it('on port 80, accepts the name with or without the port', () => {
    expect(refusal({ headers: { host: 'localhost' }, url: '/' }, allowedHosts(80))).toBeUndefined();
    expect(refusal({ headers: { host: 'localhost:80' }, url: '/' }, allowedHosts(80))).toBeUndefined();
  });
});

describe('browsers from another origin', () => {
  const host = 'localhost:9192';

  it('refuses a cross-site POST without a Content-Type (a form or a no-cors fetch)', () => {
    const refused = check({ host, origin: 'http://evil.example', 'content-length': '12' });
    expect(refused?.code).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(refused?.message).toContain("Origin 'http://evil.example'");
  });

  it('refuses any other Origin: another port of localhost, another loopback name, https, null', () => {
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1:9192', 'https://localhost:9192', 'null']) {
      expect(code({ host, origin }), origin).toBe('CLUSTER_AUTHORIZATION_FAILED');
    }
  });

  it('refuses cross-site and same-site requests that carry no Origin (Sec-Fetch-Site)', () => {
    expect(code({ host, 'sec-fetch-site': 'cross-site' })).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(code({ host, 'sec-fetch-site': 'same-site' })).toBe('CLUSTER_AUTHORIZATION_FAILED');
  });

  it('serves same-origin requests: a page this server serves (the console), or a URL typed by the user', () => {
    expect(
      check({ host, origin: 'http://localhost:9192', 'sec-fetch-site': 'same-origin', 'content-type': 'application/json', 'content-length': '2' }),
    ).toBeUndefined();
    expect(check({ host, 'sec-fetch-site': 'none' })).toBeUndefined();
  });

  it('serves clients that are not browsers (no Origin, no Sec-Fetch-Site)', () => {
    expect(check({ host: '127.0.0.1:9192', 'content-type': 'application/json', 'content-length': '2' })).toBeUndefined();
    expect(check({ host: '127.0.0.1:9192' })).toBeUndefined();
  });
});

describe('bodies', () => {
  const host = '127.0.0.1:9192';

  it('must be JSON or a Kafka record batch', () => {
    expect(check({ host, 'content-type': 'application/json; charset=utf-8', 'content-length': '2' })).toBeUndefined();
    expect(check({ host, 'content-type': 'application/vnd.kafka.recordbatch', 'transfer-encoding': 'chunked' })).toBeUndefined();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const refused = check({ host, 'content-type': type, 'content-length': '5' });
      expect(refused?.code, type).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(refused?.status).toBe(415);
    }
  });

  it('must declare their type', () => {
    expect(code({ host, 'content-length': '5' })).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(code({ host, 'transfer-encoding': 'chunked' })).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('no body needs no type', () => {
    expect(check({ host })).toBeUndefined();
    expect(check({ host, 'content-length': '0' })).toBeUndefined();
  });
});
