/**
 * CDISC ODM 1.3 (and 1.2/1.1) clinical data reader, including Medidata Rave Web Services
 * responses.
 *
 * Decisions:
 * - One dataset per FormOID seen in ClinicalData, named by the OID and labelled with the FormDef
 *   Name when the file carries metadata. A form holding several item groups gets one row per
 *   ItemGroupData, with the union of their items as columns.
 * - Columns: StudyOID, SubjectKey, [SubjectName, SubjectKeyType], SiteOID (SiteRef
 *   LocationOID), [SiteNumber], StudyEventOID, StudyEventRepeatKey, FormRepeatKey, ItemGroupOID,
 *   ItemGroupRepeatKey, then one column per item. The bracketed ones are Rave's `mdsol:`
 *   attributes and appear only when the file has them. FormOID is not a column: it is the dataset.
 *   Other `mdsol:` data (queries, comments, protocol deviations, verification and internal record
 *   ids) and measurement units are not kept. `metadata.keys` lists the columns that identify a row.
 * - Item columns come in metadata order (FormDef → ItemGroupDef → ItemRef) when the file has
 *   metadata, including items with no data yet so a form's shape does not change as data arrives;
 *   items only the data mentions follow, as first seen. A column is named by the ItemDef's
 *   SASFieldName, else its Name when that is an identifier, else the ItemOID (without a leading
 *   `<FormOID>.`, Rave's convention, since it repeats the dataset name); clashes fall back to the
 *   OID. The label is the Question, else the Description, else the Name or OID.
 * - Types: text unless the ItemDef DataType is integer, float/double, date, datetime, time or
 *   boolean and every value of that item in the file parses as such. One value that does not
 *   (a partial date `2019-03`, "UNK", a timezone) keeps the whole column as text, with a note in
 *   `metadata["odm.typeNote.<column>"]`: reading never fails on clinical data's irregularities,
 *   and nothing is invented or dropped. Without metadata every item is text.
 * - IsNull="Yes" and Value="" are null. An ItemData without a Value (Rave audit records of a
 *   verification, query or deviation) changes nothing.
 * - Snapshot files: each ItemGroupData is a row, streamed as it is read.
 *   Transactional files (and Rave Clinical Audit Records): the file is applied in order, last
 *   value wins per item of a row (StudyOID, SubjectKey, event, form, item group and their repeat
 *   keys). Insert, Update and Upsert all set; a value-less wrapper (Context, or no type) changes
 *   nothing; Remove on an ItemData clears it, on an ItemGroupData/FormData/StudyEventData/
 *   SubjectData deletes every row under it (a later Insert brings a row back). Rows keep the
 *   order in which they first appeared.
 * - Two streaming passes, whatever the number of forms: pass 1 reads the metadata and each form's
 *   items and value types; pass 2 (on the first `batches()` call) sorts every form's rows out:
 *   a snapshot's into one temporary file per form (so memory does not grow with the file), a
 *   transactional file's into one in-memory state per form (the final data, not the audit trail).
 *   The temporary files are removed when the generator finishes or is abandoned.
 * - A file with no ClinicalData (study metadata only) is rejected with that reason; ClinicalData
 *   with subjects but no forms (a Rave subject list) yields no datasets. A Rave error response is
 *   rejected quoting the server's message. ODM 2.0 (by namespace, version, or its nested
 *   ItemGroupData structure) is rejected as unsupported.
 * - Text is decoded as the file declares (BOM, XML declaration, else UTF-8).
 */
import { basename } from 'node:path';
import { FormatError } from '../errors.ts';
import { type DatasetReader, DEFAULT_BATCH_SIZE, type ReadOptions } from '../types.ts';
import { FormRows } from './form-rows.ts';
import { SchemaCollector } from './odm-schema.ts';
import { walkOdm } from './odm-walker.ts';

export async function* readOdm(path: string, options: ReadOptions = {}): AsyncGenerator<DatasetReader> {
  const file = options.fileName ?? basename(path);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const schema = new SchemaCollector();
  const walk = walkOdm(path, file, schema);
  let step = await walk.next();
  while (!step.done) step = await walk.next();
  const fileInfo = step.value;
  if (fileInfo.clinicalData === 0) {
    throw new FormatError('the file holds no ClinicalData: it is study metadata (a study design), not data', { file });
  }
  const plans = schema.plans(fileInfo);
  const rows = new FormRows(path, file, plans, fileInfo.fileType === 'Transactional', options.tempDirectory);
  try {
    for (const plan of plans) {
      let consumed = false;
      yield {
        info: plan.info,
        batches: () => {
          if (consumed) throw new Error('batches() can only be consumed once');
          consumed = true;
          return rows.batches(plan.form, batchSize);
        },
      };
    }
  } finally {
    await rows.dispose();
  }
}
