import type { ColumnInfo, DatasetReader, RowBatch } from '@cdp/formats';

/**
 * A synthetic wide dataset for the conversion benchmark: 40 columns as a lab or vitals extract has
 * them (30 numeric, among them dates and datetimes, and 10 character of lengths 8-40), with about
 * 3% missing values. Deterministic, generated batch by batch, so a million rows cost no memory.
 */
export function wideDataset(rows: number, batchSize = 16_384): DatasetReader {
  const columns: ColumnInfo[] = [];
  for (let i = 0; i < 30; i++) {
    const name = `NUM${String(i + 1).padStart(2, '0')}`;
    if (i === 0) columns.push({ name: 'VISITDT', label: 'Visit date', type: 'date', length: 8, format: 'DATE9.' });
    else if (i === 1)
      columns.push({
        name: 'COLLDTM',
        label: 'Collection date/time',
        type: 'datetime',
        length: 8,
        format: 'DATETIME20.',
      });
    else
      columns.push({
        name,
        label: `Numeric measure ${i + 1}`,
        type: 'number',
        length: 8,
        format: i % 3 === 0 ? '8.2' : undefined,
      });
  }
  const charLengths = [20, 8, 12, 40, 8, 16, 24, 8, 10, 32];
  charLengths.forEach((length, i) => {
    columns.push({
      name: `CHR${String(i + 1).padStart(2, '0')}`,
      label: `Character field ${i + 1}`,
      type: 'string',
      length,
    });
  });
  const words = [
    'ALT',
    'AST',
    'BILIRUBIN',
    'ALKALINE PHOSPHATASE',
    'CREATININE',
    'GLUCOSE',
    'HAEMOGLOBIN',
    'PLATELETS',
  ];
  return {
    info: { name: 'WIDE', label: 'Benchmark wide dataset', columns },
    async *batches(): AsyncGenerator<RowBatch> {
      let seed = 42;
      const next = () => {
        seed = (seed * 1_103_515_245 + 12_345) >>> 0;
        return seed / 4_294_967_296;
      };
      for (let start = 0; start < rows; start += batchSize) {
        const n = Math.min(batchSize, rows - start);
        const batch: RowBatch = { length: n, columns: [] };
        columns.forEach((column, c) => {
          if (column.type === 'string') {
            const values: (string | null)[] = new Array(n);
            for (let r = 0; r < n; r++) {
              const u = next();
              values[r] =
                u < 0.03 ? null : `${words[Math.floor(u * words.length)]} ${start + r}`.slice(0, column.length);
            }
            batch.columns.push(values);
            return;
          }
          const values = new Float64Array(n);
          for (let r = 0; r < n; r++) {
            const u = next();
            if (u < 0.03) values[r] = Number.NaN;
            else if (column.type === 'date') values[r] = 19_000 + Math.floor(u * 1000);
            else if (column.type === 'datetime') values[r] = Math.round(1.6e12 + u * 3e10);
            else values[r] = c % 2 === 0 ? Math.round(u * 1000) : Math.round(u * 1e6) / 1e3;
          }
          batch.columns.push(values);
        });
        yield batch;
      }
    },
  };
}
