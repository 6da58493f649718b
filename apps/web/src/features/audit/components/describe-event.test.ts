import { AUDIT_ACTIONS, type AuditEvent } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { eventPhrase, resourceLabel } from './describe-event.ts';

const event = (overrides: Partial<AuditEvent>): AuditEvent => ({
  seq: 1,
  action: 'dashboard.created',
  resourceType: 'dashboard',
  resourceId: '5f0c6a5e-8a3b-4a53-9d43-1c1b8f1c2d3e',
  resourceLabel: null,
  actor: { type: 'user', id: 'u', label: 'manager@demo.cdp.local' },
  oldValues: null,
  newValues: null,
  reason: null,
  ip: null,
  userAgent: null,
  createdAt: '2026-12-06T08:00:00.000000Z',
  prevHash: '0'.repeat(64),
  hash: '1'.repeat(64),
  ...overrides,
});

describe('the activity feed', () => {
  it.each(AUDIT_ACTIONS)('has a phrase for %s, not its code', (action) => {
    const phrase = eventPhrase(action);
    expect(phrase).not.toBe(action);
    expect(phrase).toMatch(/^[a-z]/);
    expect(phrase).not.toMatch(/[._]/);
  });

  it('shows an action it does not know as its code', () => {
    expect(eventPhrase('reports.scheduled')).toBe('reports.scheduled');
  });

  it('names the resource by the label written with the event, before anything else', () => {
    const names = { dashboard: new Map([['5f0c6a5e-8a3b-4a53-9d43-1c1b8f1c2d3e', 'Renamed since']]) };
    expect(resourceLabel(event({ resourceLabel: 'Safety review' }), names)).toBe('Safety review');
    expect(resourceLabel(event({}), names)).toBe('Renamed since');
    expect(resourceLabel(event({ newValues: { name: 'From values' } }))).toBe('From values');
    expect(resourceLabel(event({}))).toBe('5f0c6a5e…');
  });
});
