import type { Study } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { studyPermissions } from '../policies/study.ts';
import type { StudyRow } from '../repositories/studies.repo.ts';
import { type Resource, resource } from './envelope.ts';

export function presentStudy(row: StudyRow): Study {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    protocol: row.protocol,
    phase: row.phase as Study['phase'],
    therapeuticArea: row.therapeuticArea,
    description: row.description,
    status: row.status,
    plannedEnrollment: row.plannedEnrollment,
    plannedEnrollmentStart: row.plannedEnrollmentStart,
    plannedEnrollmentEnd: row.plannedEnrollmentEnd,
    archivedReason: row.archivedReason,
    archivedAt: row.archivedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function studyResource(actor: Actor, row: StudyRow): Resource<Study> {
  return resource(presentStudy(row), studyPermissions(actor, row.id));
}
