"""The pandas reference for `npm run bench -- dashboard`.

What a seed-era notebook did for the Clinical Study Overview: read DM, AE, LB and DS from CSV
into DataFrames, then one DataFrame pass per widget computing the numbers the twelve Overview
widgets show (with the sparklines of the four headline widgets, as CDP draws them). Loading and
computing are timed apart; the compute is the best of three runs.

Usage: python3 dashboard_pandas.py <folder with dm.csv ae.csv lb.csv ds.csv>; prints JSON.
"""

import json
import sys
import time

import pandas as pd

SCREEN_FAILURE = ["Screen Failure", "SCRNFAIL", "SCREEN FAILURE"]
COMPLETED = ["COMPLETED"]
# Disposition values that end no study: milestones, ongoing, blank.
NOT_AN_OUTCOME = ["INFORMED CONSENT OBTAINED", "RANDOMIZED", "ONGOING", ""]
NOT_TREATMENT_ARMS = SCREEN_FAILURE + ["Not Assigned", "NOTASSGN", ""]
DISPOSITION_EVENT = "DISPOSITION EVENT"
ALT = "Alanine Aminotransferase"


def month(dates):
    """`YYYY-MM` of an ISO 8601 date (or datetime) text; partial dates are left out, as CDP does."""
    return dates.str.slice(0, 7).where(dates.str.len() >= 10)


def monthly(frame, date, measure):
    """A measure per month of `date`, oldest first."""
    return measure(frame.groupby(month(frame[date]))).sort_index()


def subjects(groups):
    return groups["USUBJID"].nunique()


def total_screened(d):
    dm = d["DM"]
    return {"value": dm["USUBJID"].nunique(), "trend": monthly(dm, "RFICDTC", subjects).cumsum().to_dict()}


def screen_failures(d):
    dm = d["DM"]
    failed = dm[dm["ARM"].isin(SCREEN_FAILURE)]
    value = failed["USUBJID"].nunique()
    return {
        "value": value,
        "percent": 100 * value / dm["USUBJID"].nunique(),
        "trend": monthly(failed, "RFICDTC", subjects).to_dict(),
    }


def total_aes(d):
    ae = d["AE"]
    return {
        "value": len(ae),
        "subjects": ae["USUBJID"].nunique(),
        "trend": monthly(ae, "AESTDTC", lambda g: g.size()).to_dict(),
    }


def serious_aes(d):
    ae = d["AE"]
    serious = ae[ae["AESER"] == "Y"]
    return {
        "value": len(serious),
        "subjects": serious["USUBJID"].nunique(),
        "trend": monthly(serious, "AESTDTC", lambda g: g.size()).to_dict(),
    }


def enrollment_trend(d):
    dm = d["DM"]
    enrolled = monthly(dm[dm["RFSTDTC"].notna()], "RFSTDTC", subjects)
    return {"new": enrolled.to_dict(), "cumulative": enrolled.cumsum().to_dict()}


def subject_flow(d):
    dm, ds = d["DM"], d["DS"]
    randomized = dm[~dm["ARM"].isin(SCREEN_FAILURE)]
    treated = randomized[randomized["RFXSTDTC"].notna()]
    events = ds[(ds["DSCAT"] == DISPOSITION_EVENT) & ds["USUBJID"].isin(randomized["USUBJID"])]
    events = events.assign(treated=events["USUBJID"].isin(treated["USUBJID"]))
    outcomes = events.groupby(["DSDECOD", "treated"])["USUBJID"].nunique()
    return {
        "screened": dm["USUBJID"].nunique(),
        "screen_failures": dm["USUBJID"].nunique() - randomized["USUBJID"].nunique(),
        "randomized": randomized["USUBJID"].nunique(),
        "treated": treated["USUBJID"].nunique(),
        "outcomes": {f"{k[0]} / {'treated' if k[1] else 'not treated'}": v for k, v in outcomes.items()},
    }


def site_map(d):
    counts = d["DM"].groupby(["COUNTRY", "SITEID"])["USUBJID"].nunique()
    return {f"{country} / {site}": n for (country, site), n in counts.items()}


def ae_by_soc(d):
    ae = d["AE"].merge(d["DM"][["USUBJID", "ARM"]], on="USUBJID", how="left")
    top = ae.groupby("AEBODSYS")["USUBJID"].nunique().nlargest(10).index
    ae = ae.assign(soc=ae["AEBODSYS"].where(ae["AEBODSYS"].isin(top), "Other"))
    counts = ae.groupby(["soc", "ARM"])["USUBJID"].nunique()
    return {f"{soc} / {arm}": n for (soc, arm), n in counts.items()}


def demographics(d):
    dm = d["DM"]
    dm = dm[~dm["ARM"].fillna("").isin(NOT_TREATMENT_ARMS)]
    dm = dm.assign(band=pd.cut(dm["AGE"], [-1, 64, 80, 200], labels=["<65", "65-80", ">80"]))
    out = {}
    for arm, group in list(dm.groupby("ARM")) + [("Total", dm)]:
        age = group["AGE"]
        out[arm] = {
            "n": group["USUBJID"].nunique(),
            "age": [age.mean(), age.std(), age.median(), age.min(), age.max()],
            "bands": group.groupby("band")["USUBJID"].nunique().to_dict(),
            "sex": group.groupby("SEX")["USUBJID"].nunique().to_dict(),
            "race": group.groupby("RACE")["USUBJID"].nunique().to_dict(),
            "ethnicity": group.groupby("ETHNIC")["USUBJID"].nunique().to_dict(),
        }
    return out


def alt_by_visit(d):
    lb = d["LB"]
    alt = lb[lb["LBTEST"].str.startswith(ALT, na=False) & lb["LBSTRESN"].notna()]
    value = alt.groupby("VISIT")["LBSTRESN"]
    stats = pd.DataFrame(
        {
            "n": value.count(),
            "min": value.min(),
            "q1": value.quantile(0.25),
            "median": value.median(),
            "q3": value.quantile(0.75),
            "max": value.max(),
            "mean": value.mean(),
        }
    )
    return stats.to_dict(orient="index")


def disposition(d):
    ds = d["DS"]
    return ds[ds["DSCAT"] == DISPOSITION_EVENT].groupby("DSDECOD").size().to_dict()


def site_summary(d):
    dm, ae, ds = d["DM"], d["AE"], d["DS"]
    ended = ds[(ds["DSCAT"] == DISPOSITION_EVENT) & ds["DSDECOD"].notna()]
    discontinued = ended[~ended["DSDECOD"].isin(COMPLETED + SCREEN_FAILURE + NOT_AN_OUTCOME)]
    flags = dm.assign(
        enrolled=dm["RFSTDTC"].notna(),
        screen_failure=dm["ARM"].isin(SCREEN_FAILURE),
        with_ae=dm["USUBJID"].isin(ae["USUBJID"]),
        with_sae=dm["USUBJID"].isin(ae.loc[ae["AESER"] == "Y", "USUBJID"]),
        discontinued=dm["USUBJID"].isin(discontinued["USUBJID"]),
    )
    table = flags.groupby(["SITEID", "COUNTRY"]).agg(
        screened=("USUBJID", "nunique"),
        enrolled=("enrolled", "sum"),
        screen_failures=("screen_failure", "sum"),
        with_ae=("with_ae", "sum"),
        with_sae=("with_sae", "sum"),
        discontinued=("discontinued", "sum"),
    )
    return {f"{site} / {country}": row for (site, country), row in table.to_dict(orient="index").items()}


WIDGETS = {
    "total-screened": total_screened,
    "screen-failures": screen_failures,
    "total-aes": total_aes,
    "serious-aes": serious_aes,
    "enrollment-trend": enrollment_trend,
    "subject-flow": subject_flow,
    "site-map": site_map,
    "ae-by-soc": ae_by_soc,
    "demographics": demographics,
    "alt-by-visit": alt_by_visit,
    "disposition": disposition,
    "site-summary": site_summary,
}


def compute(data):
    results, seconds = {}, {}
    for name, widget in WIDGETS.items():
        started = time.perf_counter()
        results[name] = widget(data)
        seconds[name] = time.perf_counter() - started
    return results, seconds


def main(folder):
    data, load_seconds = {}, {}
    for name in ("DM", "AE", "LB", "DS"):
        started = time.perf_counter()
        # low_memory=False: one type per column (no DtypeWarning on mixed columns such as LBORRES).
        data[name] = pd.read_csv(f"{folder}/{name.lower()}.csv", low_memory=False)
        load_seconds[name] = time.perf_counter() - started

    runs = []
    for _ in range(3):
        started = time.perf_counter()
        results, widget_seconds = compute(data)
        runs.append((time.perf_counter() - started, widget_seconds))
    best, widget_seconds = min(runs, key=lambda run: run[0])

    print(
        json.dumps(
            {
                "pandas": pd.__version__,
                "rows": {name: len(frame) for name, frame in data.items()},
                "loadSeconds": sum(load_seconds.values()),
                "loadSecondsByDataset": {k: round(v, 3) for k, v in load_seconds.items()},
                "computeSeconds": best,
                "computeRunsSeconds": [run[0] for run in runs],
                "widgetSeconds": widget_seconds,
                "numbers": {
                    "totalScreened": int(results["total-screened"]["value"]),
                    "screenFailures": int(results["screen-failures"]["value"]),
                    "totalAes": int(results["total-aes"]["value"]),
                    "aeSubjects": int(results["total-aes"]["subjects"]),
                    "seriousAes": int(results["serious-aes"]["value"]),
                    "seriousAeSubjects": int(results["serious-aes"]["subjects"]),
                    "disposition": {k: int(v) for k, v in results["disposition"].items()},
                },
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
