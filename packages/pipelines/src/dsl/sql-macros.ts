/**
 * SQL macros every DSL run defines first. Dates in SDTM are ISO 8601 text that may be partial
 * (`2024-03`, `2024`); SAS dates are numbers of days (datetimes: seconds) since 1960-01-01.
 *
 * - `cdp_text_date(x)`: full dates only (`2024-03-15`, with or without a time part); anything else
 *   is missing. Used where a date function gets text (study_day, age_years...): a partial date has
 *   no study day (SDTM computes --DY from complete dates only).
 * - `cdp_parse_date(x)`: also partial dates, imputed to the first day (`2024-03` → 2024-03-01,
 *   `2024` → 2024-01-01), and SAS DATE9 text (`01JAN2014`). Used by parse_date and convert_types.
 * - `cdp_parse_datetime(x)`: ISO datetimes (`T` or space, minutes or seconds), else the parsed date at midnight.
 */
export const DSL_MACROS = [
  `CREATE OR REPLACE TEMP MACRO cdp_text_date(x) AS
     CASE WHEN regexp_full_match(trim(x), '\\d{4}-\\d{2}-\\d{2}([T ].*)?') THEN TRY_CAST(substr(trim(x), 1, 10) AS DATE) END`,
  `CREATE OR REPLACE TEMP MACRO cdp_parse_date(x) AS
     CASE
       WHEN regexp_full_match(trim(x), '\\d{4}-\\d{2}-\\d{2}([T ].*)?') THEN TRY_CAST(substr(trim(x), 1, 10) AS DATE)
       WHEN regexp_full_match(trim(x), '\\d{4}-\\d{2}(-+.*)?') THEN TRY_CAST(substr(trim(x), 1, 7) || '-01' AS DATE)
       WHEN regexp_full_match(trim(x), '\\d{4}(-+.*)?') THEN TRY_CAST(substr(trim(x), 1, 4) || '-01-01' AS DATE)
       WHEN regexp_full_match(trim(x), '\\d{1,2}[A-Za-z]{3}\\d{4}') THEN CAST(try_strptime(trim(x), '%d%b%Y') AS DATE)
     END`,
  `CREATE OR REPLACE TEMP MACRO cdp_parse_datetime(x) AS
     CASE
       WHEN regexp_full_match(trim(x), '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?')
         THEN TRY_CAST(replace(trim(x), 'T', ' ') AS TIMESTAMP)
       ELSE CAST(cdp_parse_date(x) AS TIMESTAMP)
     END`,
  // Whole numbers without ".0" (SAS stores every number as a double: AGE 72 is 72.0).
  `CREATE OR REPLACE TEMP MACRO cdp_number_text(x) AS
     CASE WHEN isfinite(x) AND x = trunc(x) AND abs(x) < 1e15 THEN CAST(CAST(x AS BIGINT) AS VARCHAR) ELSE CAST(x AS VARCHAR) END`,
  `CREATE OR REPLACE TEMP MACRO cdp_sas_date(x) AS
     CASE WHEN isfinite(x) THEN DATE '1960-01-01' + CAST(floor(x) AS INTEGER) END`,
  `CREATE OR REPLACE TEMP MACRO cdp_sas_datetime(x) AS
     CASE WHEN isfinite(x) THEN TIMESTAMP '1960-01-01 00:00:00' + to_microseconds(CAST(round(x * 1000000) AS BIGINT)) END`,
];
