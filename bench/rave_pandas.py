"""The Python reference for `npm run bench -- rave`: the usual route to Rave data in a notebook,
`requests` streaming the RWS clinical dataset into `xml.etree.ElementTree.iterparse`, one row per
ItemGroupData collected per form, then one pandas DataFrame per form (cleared elements, so memory
holds the rows, not the tree).

Usage: python3 rave_pandas.py <url> <user> <password> <study>; prints JSON: seconds, peak RSS,
rows and forms. When `requests` is missing (Debian's python3 without python3-requests), urllib
streams the same response and the output says so.
"""

import json
import resource
import sys
import time
import xml.etree.ElementTree as ET

import pandas as pd

url, user, password, study = sys.argv[1:5]
started = time.perf_counter()
endpoint = f"{url}/RaveWebServices/studies/{study}/datasets/regular"
try:
    import requests

    response = requests.get(endpoint, auth=(user, password), stream=True, timeout=600)
    response.raise_for_status()
    response.raw.decode_content = True
    source, client = response.raw, "requests"
except ImportError:
    import base64
    import urllib.request

    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    source = urllib.request.urlopen(urllib.request.Request(endpoint, headers={"Authorization": f"Basic {token}"}), timeout=600)
    client = "urllib"

NS = "{http://www.cdisc.org/ns/odm/v1.3}"
MD = "{http://www.mdsol.com/ns/odm/metadata}"
forms = {}
subject = site = name = event = event_rk = form = form_rk = None
for action, element in ET.iterparse(source, events=("start", "end")):
    tag = element.tag
    if action == "start":
        if tag == NS + "SubjectData":
            subject, name = element.get("SubjectKey"), element.get(MD + "SubjectName")
        elif tag == NS + "SiteRef":
            site = element.get("LocationOID")
        elif tag == NS + "StudyEventData":
            event, event_rk = element.get("StudyEventOID"), element.get("StudyEventRepeatKey")
        elif tag == NS + "FormData":
            form, form_rk = element.get("FormOID"), element.get("FormRepeatKey")
        continue
    if tag == NS + "ItemGroupData":
        row = {
            "SubjectKey": subject,
            "SubjectName": name,
            "SiteOID": site,
            "StudyEventOID": event,
            "StudyEventRepeatKey": event_rk,
            "FormRepeatKey": form_rk,
            "ItemGroupOID": element.get("ItemGroupOID"),
            "ItemGroupRepeatKey": element.get("ItemGroupRepeatKey"),
        }
        for item in element:
            row[item.get("ItemOID").split(".", 1)[-1]] = item.get("Value")
        forms.setdefault(form, []).append(row)
        element.clear()
    elif tag == NS + "SubjectData":
        element.clear()

frames = {oid: pd.DataFrame(rows) for oid, rows in forms.items()}
for frame in frames.values():
    for column in ("IT01",):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
seconds = time.perf_counter() - started
print(
    json.dumps(
        {
            "seconds": seconds,
            "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rows": sum(len(f) for f in frames.values()),
            "forms": len(frames),
            "client": client,
        }
    )
)
