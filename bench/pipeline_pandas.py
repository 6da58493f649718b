"""The pandas reference for `npm run bench -- pipeline`: the same steps as the DSL pipelines, one
DataFrame operation at a time, as a notebook would write them.

Usage: python3 pipeline_pandas.py <example|enrolment|dm_clean|derivation> <folder with dm.csv ds.csv lb.csv>
<out folder> [repeat]; prints JSON: the first run's seconds, of which reading the CSV files, every
run's seconds (`runs`: the same work `repeat` times in this one process, as the DSL bench runs it in
one worker), the seconds from the script's first line to its imports done (`importSeconds`), peak
memory, and figures to compare.
`example` is both built-in pipelines in one process, nothing written between them; `enrolment`
writes enrol.csv to the out folder and `dm_clean` reads it from there: the specification's approach,
one script per pipeline, which the bench runs as fresh processes for a user's whole run.
(pyarrow is not installed here, so pandas reads CSV and writes CSV.)
"""

import time

SCRIPT_STARTED = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - SCRIPT_STARTED

which, folder, out = sys.argv[1], sys.argv[2], sys.argv[3]
repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 1


def read(name):
    return pd.read_csv(os.path.join(folder, f"{name}.csv"), low_memory=False)


def enrolment(ds):
    """The enrolment example: disposition events, one per subject, four columns renamed."""
    enrol = ds[ds["DSCAT"] == "DISPOSITION EVENT"]
    enrol = enrol.drop_duplicates(["STUDYID", "USUBJID"], keep="last")
    return enrol[["STUDYID", "USUBJID", "DSDECOD", "DSSTDTC"]].rename(columns={"DSDECOD": "ENRLSTAT", "DSSTDTC": "ENRLENDTC"})


def dm_clean(dm, enrol):
    dm = dm.drop(columns=["RFXSTDTC", "RFXENDTC", "RFPENDTC"])
    dm = dm[dm["DMDTC"].notna() & ~dm["ARMCD"].isin(["SCRNFAIL", "Scrnfail", "NOTASSGN"])]
    for column in ["RFSTDTC", "RFENDTC", "DMDTC"]:
        dm[column] = pd.to_datetime(dm[column], errors="coerce")
    age = pd.to_numeric(dm["AGE"], errors="coerce")
    dm["AGE"] = age.round().astype("Int64")
    dm["AGE_GROUP"] = np.select([age < 18, age < 65], ["<18", "18-64"], ">=65")
    dm.loc[age.isna(), "AGE_GROUP"] = None
    return dm.merge(enrol, on=["STUDYID", "USUBJID"], how="left")


def once():
    started = time.perf_counter()
    if which == "enrolment":
        ds = read("ds")
        read_seconds = time.perf_counter() - started
        enrol = enrolment(ds)
        enrol.to_csv(os.path.join(out, "enrol.csv"), index=False)
        check = {"rows": len(enrol)}
    elif which == "dm_clean":
        dm = read("dm")
        enrol = pd.read_csv(os.path.join(out, "enrol.csv"), low_memory=False)
        read_seconds = time.perf_counter() - started
        clean = dm_clean(dm, enrol)
        clean.to_csv(os.path.join(out, "dm_clean.csv"), index=False)
        check = {"rows": len(clean)}
    elif which == "example":
        ds = read("ds")
        dm = read("dm")
        read_seconds = time.perf_counter() - started
        clean = dm_clean(dm, enrolment(ds))
        clean.to_csv(os.path.join(out, "dm_clean.csv"), index=False)
        check = {"rows": len(clean)}
    else:
        dm = read("dm")
        lb = read("lb")
        read_seconds = time.perf_counter() - started
        dms = dm[["STUDYID", "USUBJID", "ARM", "ACTARMCD", "RFSTDTC", "RFXSTDTC"]]
        m = lb.merge(dms, on=["STUDYID", "USUBJID"], how="left")
        m["LBDTC"] = pd.to_datetime(m["LBDTC"], errors="coerce")
        m["RFSTDTC"] = pd.to_datetime(m["RFSTDTC"], errors="coerce")
        days = (m["LBDTC"] - m["RFSTDTC"]).dt.days
        m["LBDY"] = np.where(days >= 0, days + 1, days)
        m["OUTFL"] = ((m["LBSTRESN"] < m["LBSTNRLO"]) | (m["LBSTRESN"] > m["LBSTNRHI"])).astype(int)
        m = m[m["RFXSTDTC"].notna() & ~m["ACTARMCD"].isin(["SCRNFAIL", "NOTTRT"])]
        g = (
            m.groupby(["ARM", "VISIT", "LBTESTCD"], dropna=False)
            .agg(N=("USUBJID", "size"), MEAN=("LBSTRESN", "mean"), NOUT=("OUTFL", "sum"), MEANDY=("LBDY", "mean"))
            .reset_index()
        )
        g.to_csv(os.path.join(out, "lb_summary.csv"), index=False)
        check = {
            "rows": len(g),
            "groups": len(g),
            "n": int(g["N"].sum()),
            "nout": int(g["NOUT"].sum()),
            "weightedMean": round(float((g["MEAN"] * g["N"]).sum()), 3),
        }
    return time.perf_counter() - started, read_seconds, check


runs = []
first = None
for _ in range(repeat):
    result = once()
    runs.append(result[0])
    first = first or result
seconds, read_seconds, check = first
print(
    json.dumps(
        {
            "seconds": seconds,
            "readSeconds": read_seconds,
            "importSeconds": IMPORT_SECONDS,
            "runs": runs,
            "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "check": check,
        }
    )
)
