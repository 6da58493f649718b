import type { SubjectProfile, SubjectProfileResponse } from '@cdp/contracts';
import type { Grantee } from '../policies/can.ts';
import { studyPermissions } from '../policies/study.ts';
import { resource } from './envelope.ts';

/** A subject's profile with what the caller may do on its study (export, review…). */
export function presentSubjectProfile(who: Grantee, profile: SubjectProfile): SubjectProfileResponse {
  return resource(profile, studyPermissions(who, profile.studyId));
}
