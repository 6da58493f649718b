import { describe, expect, it } from 'vitest';
import { isForbiddenAddress } from './address-guard.ts';
import { refuseUrl } from './outbound.ts';
import { signatureHeader, signWebhook } from './signature.ts';

describe('isForbiddenAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['255.255.255.255', true],
    ['8.8.8.8', false],
    ['93.184.216.34', false],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fd12:3456::1', true],
    ['ff02::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:8.8.8.8', false],
    ['[::1]', true],
    ['2606:4700:4700::1111', false],
    ['not-an-ip', true],
  ])('%s → %s', (address, forbidden) => {
    expect(isForbiddenAddress(address)).toBe(forbidden);
  });
});

describe('refuseUrl', () => {
  it.each([
    ['https://hooks.example.com/cdp', false, null],
    ['http://hooks.example.com/cdp', false, 'plain HTTP is not allowed: use https://'],
    ['http://hooks.example.com/cdp', true, null],
    [
      'https://user:pw@hooks.example.com/',
      false,
      'credentials in the URL are not allowed: put them in the path or query',
    ],
    ['https://10.0.0.5/hook', false, 'address 10.0.0.5 is private, loopback or link-local'],
    ['https://[fe80::1]/hook', false, 'address fe80::1 is private, loopback or link-local'],
    ['https://10.0.0.5/hook', true, null],
    ['file:///etc/passwd', true, 'scheme file: is not allowed: use https://'],
    ['nonsense', false, 'not a valid URL'],
  ])('%s (allowPrivate %s) → %s', (url, allowPrivate, expected) => {
    expect(refuseUrl(url, { allowPrivate })).toBe(expected);
  });
});

describe('signature', () => {
  // The Standard Webhooks specification's own test vector.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';

  it('matches the specification’s example', () => {
    expect(signWebhook(secret, id, timestamp, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('sends one entry per secret, space-separated', () => {
    const other = 'whsec_dGVzdC1rZXktYnl0ZXMtZm9yLXJvdGF0aW9uLTEyMzQ=';
    expect(signatureHeader([secret, other], id, timestamp, body).split(' ')).toEqual([
      signWebhook(secret, id, timestamp, body),
      signWebhook(other, id, timestamp, body),
    ]);
  });
});
