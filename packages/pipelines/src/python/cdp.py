"""CDP pipeline helpers, importable in a pipeline script as `from cdp import read_dataset, save_dataset`
(both are also available without the import).

Data cross the sandbox's wall as JSON lines plus a schema file: pandas 1.5.3 without pyarrow cannot
read or write Parquet, and JSON keeps every value exactly (Python writes floats as their shortest
round-trip text; dates travel as day numbers and datetimes as microseconds since 1970-01-01).
"""

import datetime as _dt
import json as _json
import math as _math
import os as _os
import re as _re

_IN = "/data/in"
_OUT = "/data/out"
_EPOCH = _dt.date(1970, 1, 1)
_EPOCH_DT = _dt.datetime(1970, 1, 1)
_NAME = _re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_INT64 = (-(2**63), 2**63 - 1)
_SUPPORTED = "numbers, integers, text, booleans, dates, datetimes (without a time zone) and times"
_saved = {}


def datasets():
    """The names of the datasets this pipeline may read."""
    return sorted(f[: -len(".schema.json")] for f in _os.listdir(_IN) if f.endswith(".schema.json"))


def _input_name(name):
    for candidate in datasets():
        if candidate.lower() == str(name).lower():
            return candidate
    raise KeyError(f'read_dataset("{name}"): no such input; the inputs are {", ".join(datasets()) or "none"}')


def read_dataset(name):
    """The input dataset `name` (case-insensitive) as a pandas DataFrame.

    Types: integer -> Int64 (nullable), number -> float64 (NaN when missing), text -> object (None when
    missing), boolean -> boolean (nullable), date -> object of datetime.date, datetime ->
    datetime64[ns] (NaT when missing), time -> object of datetime.time.
    """
    import numpy as np
    import pandas as pd

    key = _input_name(name)
    with open(f"{_IN}/{key}.schema.json", encoding="utf-8") as f:
        columns = _json.load(f)["columns"]
    names = [c["name"] for c in columns]
    values = [[] for _ in columns]
    with open(f"{_IN}/{key}.jsonl", encoding="utf-8") as f:
        for line in f:
            record = _json.loads(line)
            for i, column in enumerate(names):
                values[i].append(record.get(column))
    data = {}
    for column, raw in zip(columns, values):
        kind = column["type"]
        if kind == "integer":
            data[column["name"]] = pd.array(raw, dtype="Int64")
        elif kind == "number":
            data[column["name"]] = np.array([np.nan if v is None else float(v) for v in raw], dtype="float64")
        elif kind == "boolean":
            data[column["name"]] = pd.array(raw, dtype="boolean")
        elif kind == "date":
            data[column["name"]] = pd.Series(
                [None if v is None else _EPOCH + _dt.timedelta(days=v) for v in raw], dtype=object
            )
        elif kind == "datetime":
            micros = np.array([np.iinfo(np.int64).min if v is None else v for v in raw], dtype="int64")
            data[column["name"]] = pd.Series(micros.astype("datetime64[us]").astype("datetime64[ns]"))
        elif kind == "time":
            data[column["name"]] = pd.Series(
                [None if v is None else (_EPOCH_DT + _dt.timedelta(microseconds=v)).time() for v in raw],
                dtype=object,
            )
        else:
            data[column["name"]] = pd.Series(raw, dtype=object)
    return pd.DataFrame(data, columns=names)


def _missing(value):
    if value is None:
        return True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:
        pass
    return isinstance(value, float) and _math.isnan(value)


def _where(name, column):
    return f'save_dataset("{name}"): column "{column}"'


def _int_value(name, column, value):
    number = int(value)
    if not _INT64[0] <= number <= _INT64[1]:
        raise OverflowError(f"{_where(name, column)} holds {number}, beyond 64-bit integers")
    return number


def _float_value(name, column, value):
    number = float(value)
    if _math.isinf(number):
        raise ValueError(
            f"{_where(name, column)} holds an infinite value; datasets keep finite numbers and missing values "
            f"only (replace them, e.g. df[col].replace([np.inf, -np.inf], np.nan))"
        )
    return number


def _object_kind(name, column, values):
    """The type of an object column, from its non-missing values."""
    import numpy as np
    import pandas as pd

    kinds = {}
    for row, value in enumerate(values):
        if _missing(value):
            continue
        if isinstance(value, str):
            kind = "string"
        elif isinstance(value, (bool, np.bool_)):
            kind = "boolean"
        elif isinstance(value, (int, np.integer)):
            kind = "integer"
        elif isinstance(value, (float, np.floating)):
            kind = "number"
        elif isinstance(value, (pd.Timestamp, _dt.datetime)):
            if value.tzinfo is not None:
                raise TypeError(f"{_where(name, column)} holds a time-zone-aware datetime (row {row}); {_tz_advice()}")
            kind = "datetime"
        elif isinstance(value, _dt.date):
            kind = "date"
        elif isinstance(value, _dt.time):
            kind = "time"
        else:
            raise TypeError(
                f"{_where(name, column)} holds a value of type {type(value).__name__} (row {row}); "
                f"supported types are {_SUPPORTED}"
            )
        kinds.setdefault(kind, row)
    if not kinds:
        return "string"
    if len(kinds) == 1:
        return next(iter(kinds))
    if set(kinds) == {"integer", "number"}:
        return "number"
    (first, first_row), (second, second_row) = sorted(kinds.items(), key=lambda item: item[1])[:2]
    raise TypeError(
        f"{_where(name, column)} mixes {first} (row {first_row}) and {second} (row {second_row}) values; "
        f"convert it to one type first, e.g. df[col] = df[col].astype(str)"
    )


def _tz_advice():
    return "convert it first, e.g. df[col] = df[col].dt.tz_convert('UTC').dt.tz_localize(None)"


def _encode(name, column, series):
    """(type, list of JSON-ready values) for one column."""
    import numpy as np
    import pandas as pd
    from pandas.api import types as t

    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
        dtype = series.dtype
    if t.is_bool_dtype(dtype):
        return "boolean", [None if _missing(v) else bool(v) for v in series.tolist()]
    if t.is_integer_dtype(dtype):
        return "integer", [None if _missing(v) else _int_value(name, column, v) for v in series.tolist()]
    if t.is_float_dtype(dtype):
        return "number", [None if _missing(v) else _float_value(name, column, v) for v in series.tolist()]
    if isinstance(dtype, pd.DatetimeTZDtype):
        raise TypeError(f"{_where(name, column)} is time-zone aware ({dtype}); {_tz_advice()}")
    if t.is_datetime64_dtype(dtype):
        micros = series.values.astype("datetime64[us]").astype("int64")
        missing = series.isna().values
        return "datetime", [None if m else int(v) for v, m in zip(micros, missing)]
    if t.is_string_dtype(dtype) and not t.is_object_dtype(dtype):
        return "string", [None if _missing(v) else str(v) for v in series.tolist()]
    if t.is_object_dtype(dtype):
        values = series.tolist()
        kind = _object_kind(name, column, values)
        if kind == "string":
            return kind, [None if _missing(v) else v for v in values]
        if kind == "boolean":
            return kind, [None if _missing(v) else bool(v) for v in values]
        if kind == "integer":
            return kind, [None if _missing(v) else _int_value(name, column, v) for v in values]
        if kind == "number":
            return kind, [None if _missing(v) else _float_value(name, column, v) for v in values]
        if kind == "datetime":
            return kind, [None if _missing(v) else (v - _EPOCH_DT) // _dt.timedelta(microseconds=1) for v in values]
        if kind == "date":
            return kind, [None if _missing(v) else (v - _EPOCH).days for v in values]
        return kind, [
            None if _missing(v) else ((v.hour * 60 + v.minute) * 60 + v.second) * 1_000_000 + v.microsecond
            for v in values
        ]
    raise TypeError(f"{_where(name, column)} has type {dtype}; supported types are {_SUPPORTED}")


def save_dataset(df, name):
    """Saves the DataFrame `df` as the output dataset `name`. A non-default index is kept as columns."""
    import pandas as pd

    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"save_dataset({name!r}): a dataset name is a letter or underscore, then up to 63 letters, digits or underscores"
        )
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f'save_dataset("{name}"): expected a pandas DataFrame, got {type(df).__name__}')
    if name.lower() in _saved:
        raise ValueError(f'save_dataset("{name}"): "{_saved[name.lower()]}" was already saved')
    if not isinstance(df.index, pd.RangeIndex) or any(n is not None for n in df.index.names):
        df = df.reset_index()
    seen = {}
    for column in df.columns:
        if not isinstance(column, str) or not column:
            raise TypeError(f'save_dataset("{name}"): column names must be text; got {column!r}')
        if column.lower() in seen:
            raise ValueError(f'save_dataset("{name}"): column "{column}" is there twice (names ignore case)')
        seen[column.lower()] = column
    encoded = [(column, *_encode(name, column, df.iloc[:, i])) for i, column in enumerate(df.columns)]
    names = [column for column, _, _ in encoded]
    with open(f"{_OUT}/{name}.jsonl", "w", encoding="utf-8") as f:
        for row in zip(*(values for _, _, values in encoded)):
            f.write(_json.dumps(dict(zip(names, row)), ensure_ascii=False, allow_nan=False))
            f.write("\n")
    schema = {"rows": len(df), "columns": [{"name": c, "type": kind} for c, kind, _ in encoded]}
    # The schema is written last: an output without one was not finished and is refused.
    with open(f"{_OUT}/{name}.schema.json", "w", encoding="utf-8") as f:
        _json.dump(schema, f)
    _saved[name.lower()] = name
    print(f"saved {name}: {len(df):,} rows, {len(encoded)} columns", flush=True)
