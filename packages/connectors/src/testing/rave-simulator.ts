import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sharedData } from '@cdp/formats/testing';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * A Rave Web Services simulator for tests and benchmarks (test support, never the product):
 * Fastify on 127.0.0.1, HTTP Basic authentication, the RWS endpoints the connector uses, a
 * generated study whose data change between pulls (`mutate`), `start=` filtering, the real RWS
 * responses of rwslib's test data (a second study, the Clinical Audit Records pages, the error
 * ODM) and injectable faults.
 */

export type RaveFault = 'status500' | 'status429' | 'timeout' | 'cutoff' | 'malformed' | 'unauthorized' | 'notVisible';

export interface RaveSimulatorOptions {
  subjects: number;
  forms?: number;
  /** Visits (repeats of the VISIT event) per subject. */
  visits?: number;
  itemsPerForm?: number;
  username?: string;
  password?: string;
  /** Accepted as `Authorization: Bearer <token>` (a gateway's token). */
  token?: string;
  project?: string;
  environment?: string;
  /** Audit records per page (`per_page` asks for fewer). */
  auditPageSize?: number;
}

export interface SimCell {
  subject: number;
  visit: number;
  form: number;
  repeat: number;
  item: number;
}

interface Override {
  value: string | null;
  at: number;
}

export const SIM_REAL_STUDY = 'SIMPLESTUDY(TEST)';

export class RaveSimulator {
  readonly options: Required<RaveSimulatorOptions>;
  url = '';
  /** Each request's method, path and query, in order. */
  readonly requests: string[] = [];
  private app: FastifyInstance | undefined;
  private readonly overrides = new Map<string, Override>();
  private readonly removedRecords = new Map<string, number>();
  private readonly inactive = new Map<number, number>();
  /** When each subject last changed (an incremental response only looks at these). */
  private readonly touched = new Map<number, number>();
  /** A full response rendered once into a file (benchmarks), until the first change. */
  private fullBody: string | undefined;
  private faults: { kind: RaveFault; match: RegExp; times: number }[] = [];
  /** Served as the study's full clinical response instead of the generated one (what the generator never sends). */
  clinicalBody: string | undefined;
  /** When set, clinical-data responses go out in chunks of this many bytes (cuts fall anywhere, even inside a character). */
  clinicalChunkBytes: number | undefined;

  constructor(options: RaveSimulatorOptions) {
    this.options = {
      forms: 20,
      visits: 3,
      itemsPerForm: 20,
      username: 'rave-user',
      password: 'rave-password',
      token: 'rave-bearer-token',
      project: 'CDP01',
      environment: 'Prod',
      auditPageSize: 1_000,
      ...options,
    };
  }

  get study(): string {
    return `${this.options.project}(${this.options.environment})`;
  }

  async start(): Promise<this> {
    const app = Fastify({ logger: false, forceCloseConnections: true });
    app.addHook('onRequest', async (request, reply) => {
      this.requests.push(`${request.method} ${request.url}`);
      const expected = `Basic ${Buffer.from(`${this.options.username}:${this.options.password}`).toString('base64')}`;
      const fault = this.takeFault(request.url);
      const auth = request.headers.authorization;
      if ((auth !== expected && auth !== `Bearer ${this.options.token}`) || fault === 'unauthorized') {
        return reply.code(401).type('text/xml').send(real('excerpts/rws_error_response.xml'));
      }
      if (fault) return this.sendFault(fault, request, reply);
    });
    app.get('/RaveWebServices/version', async (_req, reply) => reply.type('text/plain').send('1.15.0'));
    app.get('/RaveWebServices/studies', async (_req, reply) => reply.type('text/xml').send(this.studiesXml()));
    app.get('/RaveWebServices/studies/:study/datasets/regular', (req, reply) => this.clinical(req, reply));
    app.get('/RaveWebServices/studies/:study/datasets/regular/:form', (req, reply) => this.clinical(req, reply));
    app.get('/RaveWebServices/studies/:study/subjects', async (req, reply) => {
      const { study } = req.params as { study: string };
      if (study === SIM_REAL_STUDY) {
        return reply.type('text/xml').send(real('excerpts/rws_subjects_with_site_numbers.xml'));
      }
      if (study !== this.study) return notVisible(reply, study);
      return reply.type('text/xml').send(this.subjectsXml());
    });
    app.get('/RaveWebServices/metadata/studies/:project/versions/:version', async (req, reply) => {
      const { project, version } = req.params as { project: string; version: string };
      if (project !== this.options.project) return notVisible(reply, project);
      return reply.type('text/xml').send(this.metadataXml(version));
    });
    app.get('/RaveWebServices/datasets/ClinicalAuditRecords.odm', async (req, reply) => {
      const query = req.query as { studyoid?: string; startid?: string; per_page?: string };
      if (query.studyoid !== this.study && query.studyoid !== SIM_REAL_STUDY) {
        return notVisible(reply, query.studyoid ?? '');
      }
      const pages = auditPages();
      const start = Number(query.startid ?? 1) || 1;
      const index = pages.findIndex((p) => p.maxId >= start);
      if (index < 0) return reply.type('text/xml').send(EMPTY_ODM);
      const nextPage = pages[index + 1];
      if (nextPage) {
        const next = `${this.url}/RaveWebServices/datasets/ClinicalAuditRecords.odm?studyoid=${encodeURIComponent(query.studyoid ?? '')}&per_page=${query.per_page ?? ''}&startid=${(pages[index]?.maxId ?? 0) + 1}`;
        reply.header('link', `<${next}>; rel="next"`);
      }
      return reply.type('text/xml').send(pages[index]?.xml);
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    this.app = app;
    this.url = address;
    return this;
  }

  async stop(): Promise<void> {
    await this.app?.close();
  }

  /** The next `times` requests whose path matches `match` fail with `kind`. */
  fault(kind: RaveFault, options: { match?: RegExp; times?: number } = {}): void {
    this.faults.push({ kind, match: options.match ?? /datasets\/regular/, times: options.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Changes between pulls: new values, removed records, inactivated (or reactivated) subjects. */
  mutate(change: {
    set?: { cell: SimCell; value: string | null }[];
    removeRecord?: Omit<SimCell, 'item'>[];
    inactivateSubject?: number[];
    reactivateSubject?: number[];
  }): void {
    const at = Date.now();
    for (const { cell, value } of change.set ?? []) {
      this.overrides.set(cellKey(cell), { value, at });
      this.touched.set(cell.subject, at);
    }
    for (const record of change.removeRecord ?? []) {
      this.removedRecords.set(recordKey(record), at);
      this.touched.set(record.subject, at);
    }
    for (const subject of change.inactivateSubject ?? []) this.inactive.set(subject, at);
    for (const subject of change.reactivateSubject ?? []) this.inactive.delete(subject);
    this.fullBody = undefined;
  }

  /** Renders the full clinical data response into `file` once, served from there until a change. */
  async cacheFullResponse(file: string): Promise<number> {
    const all = Array.from({ length: this.options.forms }, (_, f) => f);
    await pipeline(Readable.from(this.clinicalXml(all, null)), createWriteStream(file));
    this.fullBody = file;
    return (await stat(file)).size;
  }

  // ── the generated study ──

  subjectKey(s: number): string {
    return `00000000-0000-4000-8000-${s.toString(16).padStart(12, '0')}`;
  }
  subjectName(s: number): string {
    return `${String(101 + (s % 3)).padStart(3, '0')}-${String(s + 1).padStart(4, '0')}`;
  }
  site(s: number): string {
    return `SITE${101 + (s % 3)}`;
  }
  formOid(f: number): string {
    return `FORM${String(f + 1).padStart(2, '0')}`;
  }
  itemOid(f: number, i: number): string {
    return `${this.formOid(f)}.IT${String(i + 1).padStart(2, '0')}`;
  }
  /** The first form is a log form: three records per visit. */
  repeats(f: number): number {
    return f === 0 ? 3 : 1;
  }
  /** Items 1..4 are integer, float, date and datetime; the rest text. */
  itemType(i: number): 'integer' | 'float' | 'date' | 'datetime' | 'text' {
    return (['integer', 'float', 'date', 'datetime'] as const)[i] ?? 'text';
  }

  baseValue(c: SimCell): string | null {
    let h = Math.imul(c.subject + 1, 73_856_093) ^ Math.imul(c.visit + 1, 19_349_663);
    h = Math.imul(h ^ Math.imul(c.form + 1, 83_492_791), 2_654_435_761) ^ Math.imul(c.repeat + 1, 40_503);
    h = Math.imul(h ^ (c.item + 1), 2_246_822_519) >>> 0;
    if (h % 29 === 0) return null; // some items not entered
    switch (this.itemType(c.item)) {
      case 'integer':
        return String(h % 200);
      case 'float':
        return `${(h % 100_000) / 100}`;
      case 'date':
        return `2024-${String((h % 12) + 1).padStart(2, '0')}-${String((h % 28) + 1).padStart(2, '0')}`;
      case 'datetime':
        return `2024-${String((h % 12) + 1).padStart(2, '0')}-${String((h % 28) + 1).padStart(2, '0')}T${String(h % 24).padStart(2, '0')}:${String(h % 60).padStart(2, '0')}:00`;
      default:
        return `Answer ${(h % 1_000_003).toString(36)} & <${c.item % 7}>`;
    }
  }

  /** The current value of a cell (what a full pull must end up with), null when absent. */
  value(c: SimCell): string | null {
    const override = this.overrides.get(cellKey(c));
    return override ? override.value : this.baseValue(c);
  }

  recordRemoved(c: Omit<SimCell, 'item'>): boolean {
    return this.removedRecords.has(recordKey(c));
  }

  isActive(s: number): boolean {
    return !this.inactive.has(s);
  }

  /** The truth the connector must reproduce: every current record of a form, as plain objects. */
  expectedRows(f: number): Record<string, string | null>[] {
    const o = this.options;
    const rows: Record<string, string | null>[] = [];
    for (let s = 0; s < o.subjects; s++) {
      if (!this.isActive(s)) continue;
      for (let v = 0; v < o.visits; v++) {
        for (let r = 0; r < this.repeats(f); r++) {
          if (this.recordRemoved({ subject: s, visit: v, form: f, repeat: r })) continue;
          const row: Record<string, string | null> = {
            SubjectKey: this.subjectKey(s),
            SubjectName: this.subjectName(s),
            StudyEventRepeatKey: `VISIT[${v + 1}]`,
            ItemGroupRepeatKey: this.repeats(f) > 1 ? String(r + 1) : null,
          };
          let any = false;
          for (let i = 0; i < o.itemsPerForm; i++) {
            const value = this.value({ subject: s, visit: v, form: f, repeat: r, item: i });
            row[`IT${String(i + 1).padStart(2, '0')}`] = value;
            if (value !== null) any = true;
          }
          if (any) rows.push(row);
        }
      }
    }
    return rows;
  }

  private *clinicalXml(forms: number[], since: number | null): Generator<string> {
    const o = this.options;
    yield `<?xml version="1.0" encoding="utf-8"?>\n<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:mdsol="http://www.mdsol.com/ns/odm/metadata" FileType="Snapshot" FileOID="sim-${Date.now()}" CreationDateTime="${new Date().toISOString()}" ODMVersion="1.3">\n`;
    for (let s = 0; s < o.subjects; s++) {
      if (since !== null && (this.touched.get(s) ?? -1) < since) continue;
      let subject = '';
      for (let v = 0; v < o.visits; v++) {
        let event = '';
        for (const f of forms) {
          let form = '';
          for (let r = 0; r < this.repeats(f); r++) {
            const removedAt = this.removedRecords.get(recordKey({ subject: s, visit: v, form: f, repeat: r }));
            const rk = this.repeats(f) > 1 ? ` ItemGroupRepeatKey="${r + 1}"` : '';
            if (removedAt !== undefined) {
              if (since !== null && removedAt >= since) {
                form += `        <ItemGroupData ItemGroupOID="${this.formOid(f)}"${rk} TransactionType="Remove" mdsol:Active="No"/>\n`;
              }
              continue;
            }
            let group = '';
            for (let i = 0; i < o.itemsPerForm; i++) {
              const cell = { subject: s, visit: v, form: f, repeat: r, item: i };
              let value: string | null;
              if (since === null) value = this.value(cell);
              else {
                const override = this.overrides.get(cellKey(cell));
                if (!override || override.at < since) continue;
                value = override.value;
                if (value === null) {
                  group += `          <ItemData ItemOID="${this.itemOid(f, i)}" TransactionType="Remove"/>\n`;
                  continue;
                }
              }
              if (value === null) continue;
              group += `          <ItemData ItemOID="${this.itemOid(f, i)}" Value="${escapeXml(value)}"/>\n`;
            }
            if (group) {
              form += `        <ItemGroupData ItemGroupOID="${this.formOid(f)}"${rk} mdsol:RecordId="${s * 100_000 + v * 1000 + f * 10 + r}">\n${group}        </ItemGroupData>\n`;
            }
          }
          if (form) {
            event += `      <FormData FormOID="${this.formOid(f)}" FormRepeatKey="1">\n${form}      </FormData>\n`;
          }
        }
        if (event) {
          subject += `    <StudyEventData StudyEventOID="VISIT" StudyEventRepeatKey="VISIT[${v + 1}]">\n${event}    </StudyEventData>\n`;
        }
      }
      if (subject) {
        yield `  <ClinicalData StudyOID="${this.study}" MetaDataVersionOID="7">\n   <SubjectData SubjectKey="${this.subjectKey(s)}" mdsol:SubjectKeyType="SubjectUUID" mdsol:SubjectName="${this.subjectName(s)}">\n    <SiteRef LocationOID="${this.site(s)}"/>\n${subject}   </SubjectData>\n  </ClinicalData>\n`;
      }
    }
    yield '</ODM>\n';
  }

  private clinical(request: FastifyRequest, reply: FastifyReply) {
    const { study, form } = request.params as { study: string; form?: string };
    const { start } = request.query as { start?: string };
    if (study === SIM_REAL_STUDY) {
      return reply.type('text/xml').send(start ? EMPTY_ODM : real('excerpts/rws_subject_dataset_ENROL_snapshot.xml'));
    }
    if (study !== this.study) return notVisible(reply, study);
    const all = Array.from({ length: this.options.forms }, (_, f) => f);
    const forms = form ? all.filter((f) => this.formOid(f) === form) : all;
    if (!form && !start && this.clinicalBody !== undefined)
      return reply.type('text/xml').send(this.chunked([this.clinicalBody]) ?? this.clinicalBody);
    if (!form && !start && this.fullBody) return reply.type('text/xml').send(createReadStream(this.fullBody));
    const since = start ? Date.parse(`${start}Z`) : null;
    if (start && Number.isNaN(since)) {
      return reply
        .code(400)
        .type('text/xml')
        .send(errorOdm(`Invalid start date ${start}. [RWS00025]`));
    }
    const xml = this.clinicalXml(forms, since);
    return reply.type('text/xml').send(this.chunked(xml) ?? Readable.from(xml));
  }

  /** The text as a stream of `clinicalChunkBytes`-byte chunks, when set. */
  private chunked(text: Iterable<string>): Readable | undefined {
    const size = this.clinicalChunkBytes;
    if (!size) return undefined;
    return Readable.from(
      (function* () {
        let rest = Buffer.alloc(0);
        for (const part of text) {
          rest = Buffer.concat([rest, Buffer.from(part)]);
          for (; rest.length >= size; rest = rest.subarray(size)) yield Buffer.from(rest.subarray(0, size));
        }
        if (rest.length > 0) yield rest;
      })(),
      { objectMode: false },
    );
  }

  private subjectsXml(): string {
    let xml = `<?xml version="1.0" encoding="utf-8"?>\n<ODM FileType="Snapshot" FileOID="sim-subjects" CreationDateTime="${new Date().toISOString()}" ODMVersion="1.3" xmlns:mdsol="http://www.mdsol.com/ns/odm/metadata" xmlns="http://www.cdisc.org/ns/odm/v1.3">\n`;
    for (let s = 0; s < this.options.subjects; s++) {
      const active = this.isActive(s);
      xml += ` <ClinicalData StudyOID="${this.study}" MetaDataVersionOID="7">\n  <SubjectData SubjectKey="${this.subjectKey(s)}" mdsol:SubjectKeyType="SubjectUUID" mdsol:SubjectName="${this.subjectName(s)}" mdsol:Status="${active ? 'Enrolled' : 'Inactive'}" mdsol:Active="${active ? 'Yes' : 'No'}" mdsol:Deleted="No">\n   <SiteRef LocationOID="${this.site(s)}" mdsol:StudyEnvSiteNumber="${this.site(s).slice(4)}"/>\n  </SubjectData>\n </ClinicalData>\n`;
    }
    return `${xml}</ODM>\n`;
  }

  private metadataXml(version: string): string {
    const o = this.options;
    let forms = '';
    let groups = '';
    let items = '';
    for (let f = 0; f < o.forms; f++) {
      const oid = this.formOid(f);
      forms += `   <FormDef OID="${oid}" Name="Form ${f + 1}${f === 0 ? ' (log)' : ''}" Repeating="No"><ItemGroupRef ItemGroupOID="${oid}" Mandatory="No"/></FormDef>\n`;
      groups += `   <ItemGroupDef OID="${oid}" Name="${oid}" Repeating="${f === 0 ? 'Yes' : 'No'}">\n`;
      for (let i = 0; i < o.itemsPerForm; i++) {
        const type = this.itemType(i);
        groups += `    <ItemRef ItemOID="${this.itemOid(f, i)}" Mandatory="No" OrderNumber="${i + 1}"/>\n`;
        items += `   <ItemDef OID="${this.itemOid(f, i)}" Name="IT${i + 1}" DataType="${type}"><Question><TranslatedText xml:lang="en">Question ${i + 1} of form ${f + 1}</TranslatedText></Question></ItemDef>\n`;
      }
      groups += '   </ItemGroupDef>\n';
    }
    return `<?xml version="1.0" encoding="utf-8"?>\n<ODM FileType="Snapshot" FileOID="sim-meta" CreationDateTime="${new Date().toISOString()}" ODMVersion="1.3" xmlns:mdsol="http://www.mdsol.com/ns/odm/metadata" xmlns="http://www.cdisc.org/ns/odm/v1.3">\n <Study OID="${this.options.project}">\n  <MetaDataVersion OID="${version}" Name="Version ${version}">\n${forms}${groups}${items}  </MetaDataVersion>\n </Study>\n</ODM>\n`;
  }

  private studiesXml(): string {
    const study = (oid: string, name: string) =>
      `  <Study OID="${oid}" mdsol:ProjectType="Project"><GlobalVariables><StudyName>${name}</StudyName><StudyDescription/><ProtocolName>${name}</ProtocolName></GlobalVariables></Study>\n`;
    return `<?xml version="1.0" encoding="utf-8"?>\n<ODM FileType="Snapshot" FileOID="sim-studies" CreationDateTime="${new Date().toISOString()}" ODMVersion="1.3" xmlns:mdsol="http://www.mdsol.com/ns/odm/metadata" xmlns="http://www.cdisc.org/ns/odm/v1.3">\n${study(this.study, `${this.options.project} (${this.options.environment})`)}${study(SIM_REAL_STUDY, 'SIMPLESTUDY (TEST)')}</ODM>\n`;
  }

  private takeFault(url: string): RaveFault | undefined {
    const index = this.faults.findIndex((f) => f.match.test(url));
    const fault = this.faults[index];
    if (!fault) return undefined;
    if (--fault.times <= 0) this.faults.splice(index, 1);
    return fault.kind;
  }

  private async sendFault(kind: RaveFault, request: FastifyRequest, reply: FastifyReply) {
    switch (kind) {
      case 'status500':
        return reply.code(500).type('text/html').send('<html><body>Internal Server Error</body></html>');
      case 'status429':
        return reply.code(429).header('retry-after', '1').type('text/plain').send('Too many requests');
      case 'timeout':
        await new Promise<void>((resolve) => request.raw.once('close', () => resolve()));
        return reply;
      case 'notVisible':
        return notVisible(reply, this.study);
      case 'malformed':
        return reply
          .type('text/xml')
          .send(
            '<?xml version="1.0"?>\n<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"><ClinicalData StudyOID="X"><SubjectData SubjectKey="1"></ClinicalData></ODM>',
          );
      case 'cutoff': {
        const body = this.clinicalXml([0, 1], null);
        let sent = 0;
        const stream = new Readable({
          read() {
            const next = body.next();
            if (next.done || sent > 2_000) {
              this.destroy(new Error('simulated cut-off'));
              return;
            }
            sent += next.value.length;
            this.push(next.value);
          },
        });
        return reply.type('text/xml').send(stream);
      }
      default:
        return undefined;
    }
  }
}

export async function startRaveSimulator(options: RaveSimulatorOptions): Promise<RaveSimulator> {
  return new RaveSimulator(options).start();
}

function cellKey(c: SimCell): string {
  return `${c.subject}/${c.visit}/${c.form}/${c.repeat}/${c.item}`;
}
function recordKey(c: Omit<SimCell, 'item'>): string {
  return `${c.subject}/${c.visit}/${c.form}/${c.repeat}`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const EMPTY_ODM =
  '<?xml version="1.0" encoding="utf-8"?>\n<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileType="Snapshot" FileOID="empty" ODMVersion="1.3"/>\n';

function errorOdm(description: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<ODM xmlns:mdsol="http://www.mdsol.com/ns/odm/metadata" FileType="Snapshot" CreationDateTime="${new Date().toISOString()}" FileOID="sim-error" ODMVersion="1.3" mdsol:ErrorDescription="${escapeXml(description)}" xmlns="http://www.cdisc.org/ns/odm/v1.3" />\n`;
}

function notVisible(reply: FastifyReply, study: string) {
  return reply
    .code(404)
    .type('text/xml')
    .send(errorOdm(`The study ${study} was not found or the user has no access to it. [RWS00101]`));
}

const realCache = new Map<string, string>();
/** A real RWS response from rwslib's test data (/work/shared/data/odm/rwslib). */
export function real(file: string): string {
  let text = realCache.get(file);
  if (text === undefined) {
    text = readFileSync(sharedData('odm', 'rwslib', ...file.split('/')), 'utf8');
    realCache.set(file, text);
  }
  return text;
}

/** The audit pages: rwslib's Clinical Audit Records message, then its three audit excerpts as one page. */
function auditPages(): { xml: string; maxId: number }[] {
  const maxId = (xml: string) =>
    Math.max(0, ...[...xml.matchAll(/<SourceID>(\d+)<\/SourceID>/g)].map((m) => Number(m[1])));
  const first = real('car_message.xml');
  const excerpts = ['rws_audit_CreatePD.xml', 'rws_audit_EnteredWithChangeCode.xml', 'rws_audit_Verify.xml'].map((f) =>
    real(`excerpts/${f}`),
  );
  // One ODM holding the three excerpts' ClinicalData, as a real second page would.
  const bodies = excerpts.map((x) => /<ClinicalData[\s\S]*<\/ClinicalData>/.exec(x)?.[0] ?? '').join('\n');
  const second = `<?xml version="1.0" encoding="utf-8"?>\n<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:mdsol="http://www.mdsol.com/ns/odm/metadata" ODMVersion="1.3" FileType="Transactional" FileOID="sim-audit-2" CreationDateTime="2014-11-04T16:37:05">\n${bodies}\n</ODM>\n`;
  const pages = [
    { xml: first, maxId: maxId(first) },
    { xml: second, maxId: maxId(second) },
  ];
  return pages;
}
