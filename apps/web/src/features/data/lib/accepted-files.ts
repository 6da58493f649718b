/** What the upload endpoint converts, in the order the drop zone lists them. */
export const ACCEPTED_FILES = [
  { extension: '.zip', label: 'ZIP of any of these' },
  { extension: '.xpt', label: 'SAS transport (XPT)' },
  { extension: '.sas7bdat', label: 'SAS dataset' },
  { extension: '.csv', label: 'CSV' },
  { extension: '.xlsx', label: 'Excel' },
  { extension: '.parquet', label: 'Parquet' },
  { extension: '.xml', label: 'CDISC ODM' },
  { extension: '.json', label: 'Dataset-JSON' },
] as const;

export const ACCEPT_ATTRIBUTE = ACCEPTED_FILES.map((f) => f.extension).join(',');

/** Whether the file's name ends in an accepted extension (the server checks the content too). */
export function isAcceptedFile(name: string): boolean {
  const lower = name.toLowerCase();
  return ACCEPTED_FILES.some((f) => lower.endsWith(f.extension));
}
