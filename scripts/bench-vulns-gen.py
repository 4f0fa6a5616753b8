#!/usr/bin/env python3
"""bench-vulns-gen.py OUTDIR N FACTS.json

A synthetic NVD of N CVEs (default 250,000, the real NVD's size) for scripts/bench-vulns:

  OUTDIR/feeds-2.0/nvdcve-2.0-<YEAR>.json.gz  JSON 2.0 feeds, 2002..2026, sized per year like
  OUTDIR/feeds-2.0/nvdcve-2.0-modified.json.gz the real NVD (recent years much larger)
  OUTDIR/feeds-1.1/nvdcve-1.1-<YEAR>.json.gz  the same CVEs as JSON 1.1 feeds (for vulnix 1.10.1)

Records are shaped and sized like NVD's (descriptions, CVSS 3.1 and 2.0 metrics, weaknesses,
references, configurations with 1-6 CPE matches, some AND configurations with a platform,
about 8 % not analysed yet). Products are drawn from 40,000 synthetic vendor:product pairs, plus
200 extra CVEs each on the fixture's real products (openssl, curl, zlib, xz, libxml2, git) whose
ranges end before the fixture's versions, so a scan has realistic candidate lists but its
findings stay those of expected.json. FACTS (tests/fixtures/cve/cves.json) adds the 20 real
CVEs through make-nvd.py's own conversion.
"""
import gzip, json, os, random, sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "fixtures", "cve"))
import importlib.util
spec = importlib.util.spec_from_file_location(
    "make_nvd", os.path.join(here, "..", "tests", "fixtures", "cve", "make-nvd.py"))
mk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mk)

out = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 250000
facts = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else []
rng = random.Random(7)
# Real NVD CVE counts per ID year (approximate), scaled to N.
weights = {2002: 2.1, 2003: 1.5, 2004: 2.7, 2005: 4.7, 2006: 7.0, 2007: 6.5, 2008: 7.0,
           2009: 5.0, 2010: 5.0, 2011: 4.6, 2012: 5.3, 2013: 5.8, 2014: 8.0, 2015: 7.8,
           2016: 9.5, 2017: 16.0, 2018: 17.0, 2019: 16.5, 2020: 18.5, 2021: 21.0, 2022: 25.0,
           2023: 29.0, 2024: 40.0, 2025: 38.0, 2026: 12.0}
tot = sum(weights.values())
real_products = [("openssl", "openssl"), ("haxx", "curl"), ("zlib", "zlib"), ("tukaani", "xz"),
                 ("xmlsoft", "libxml2"), ("git-scm", "git")]
words = ("buffer overflow heap use-after-free allows remote attackers to execute arbitrary code "
         "via crafted request denial of service memory corruption improper input validation in "
         "the parser component function when handling specially crafted packets leads to "
         "information disclosure authentication bypass privilege escalation race condition").split()
vendors = ["vendor%d" % i for i in range(12000)]
products = [(rng.choice(vendors), "product%d" % i) for i in range(40000)]
vectors = ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
           "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N",
           "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"]
v31 = {v: mk.cvss31(v) for v in vectors}


def version():
    return ".".join(str(rng.randint(0, 20)) for _ in range(rng.randint(2, 3)))


def matches(vendor, product, real=False):
    ms = []
    for _ in range(rng.randint(1, 6)):
        m = {"vulnerable": True}
        if real:
            m["criteria"] = "cpe:2.3:a:%s:%s:*:*:*:*:*:*:*:*" % (vendor, product)
            m["versionEndExcluding"] = "0.%d" % rng.randint(1, 9)
        elif rng.random() < 0.4:
            m["criteria"] = "cpe:2.3:a:%s:%s:%s:*:*:*:*:*:*:*" % (vendor, product, version())
        else:
            m["criteria"] = "cpe:2.3:a:%s:%s:*:*:*:*:*:*:*:*" % (vendor, product)
            if rng.random() < 0.6:
                m["versionStartIncluding"] = version()
            m["versionEndExcluding"] = version()
        m["matchCriteriaId"] = "%08X-0000-0000-0000-%012X" % (rng.getrandbits(32), rng.getrandbits(48))
        ms.append(m)
    return ms


def cve(cid, year, real=None):
    vec = rng.choice(vectors)
    data, expl, imp = v31[vec]
    desc = " ".join(rng.choice(words) for _ in range(rng.randint(25, 60)))
    configs = []
    if real is not None or rng.random() > 0.08:
        vendor, product = real or rng.choice(products)
        nodes = [{"operator": "OR", "negate": False, "cpeMatch": matches(vendor, product, real is not None)}]
        cfg = {"nodes": nodes}
        if real is None and rng.random() < 0.1:
            cfg["operator"] = "AND"
            nodes.append({"operator": "OR", "negate": False, "cpeMatch": [
                {"vulnerable": False, "criteria": "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*",
                 "matchCriteriaId": "00000000-0000-0000-0000-000000000001"}]})
        configs.append(cfg)
    ts = "%d-%02d-%02dT10:15:00.000" % (year, rng.randint(1, 12), rng.randint(1, 28))
    metrics = {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary", "cvssData": data,
                                  "exploitabilityScore": expl, "impactScore": imp}]}
    if year < 2016:
        metrics["cvssMetricV2"] = [{"source": "nvd@nist.gov", "type": "Primary", "cvssData": {
            "version": "2.0", "vectorString": "AV:N/AC:L/Au:N/C:P/I:P/A:P", "accessVector": "NETWORK",
            "accessComplexity": "LOW", "authentication": "NONE", "confidentialityImpact": "PARTIAL",
            "integrityImpact": "PARTIAL", "availabilityImpact": "PARTIAL", "baseScore": 7.5},
            "baseSeverity": "HIGH", "exploitabilityScore": 10.0, "impactScore": 6.4}]
    return {"cve": {
        "id": cid, "sourceIdentifier": "cve@mitre.org", "published": ts, "lastModified": ts,
        "vulnStatus": "Analyzed" if configs else "Awaiting Analysis",
        "descriptions": [{"lang": "en", "value": desc}],
        "metrics": metrics,
        "weaknesses": [{"source": "nvd@nist.gov", "type": "Primary",
                        "description": [{"lang": "en", "value": "CWE-%d" % rng.randint(20, 900)}]}],
        "configurations": configs,
        "references": [{"url": "https://example.invalid/advisories/%s/%d" % (cid, i),
                        "source": "cve@mitre.org", "tags": ["Third Party Advisory"]}
                       for i in range(rng.randint(2, 8))]}}


def to11(item):
    c = item["cve"]
    nodes = []
    for cfg in c["configurations"]:
        conv = [{"operator": n["operator"], "children": [], "cpe_match": [
            dict({"vulnerable": m["vulnerable"], "cpe23Uri": m["criteria"], "cpe_name": []},
                 **{k: m[k] for k in mk.RANGE_KEYS if k in m}) for m in n["cpeMatch"]]}
            for n in cfg["nodes"]]
        if cfg.get("operator") == "AND" and len(conv) > 1:
            nodes.append({"operator": "AND", "children": conv, "cpe_match": []})
        else:
            nodes.extend(conv)
    m = c["metrics"]["cvssMetricV31"][0]
    return {"cve": {"data_type": "CVE", "data_format": "MITRE", "data_version": "4.0",
                    "CVE_data_meta": {"ID": c["id"], "ASSIGNER": "cve@mitre.org"},
                    "problemtype": {"problemtype_data": [{"description": [{"lang": "en", "value": "CWE-20"}]}]},
                    "references": {"reference_data": [{"url": r["url"], "name": r["url"], "refsource": "MISC", "tags": []}
                                                      for r in c["references"]]},
                    "description": {"description_data": c["descriptions"]}},
            "configurations": {"CVE_data_version": "4.0", "nodes": nodes},
            "impact": {"baseMetricV3": {"cvssV3": m["cvssData"], "exploitabilityScore": m["exploitabilityScore"],
                                        "impactScore": m["impactScore"]}},
            "publishedDate": c["published"][:16] + "Z", "lastModifiedDate": c["lastModified"][:16] + "Z"}


by_year = {y: [] for y in weights}
real_left = {p: 200 for p in real_products}
n = 0
for y, w in weights.items():
    count = round(N * w / tot)
    for i in range(count):
        real = None
        if real_left and rng.random() < 0.01:
            real = rng.choice(list(real_left))
            real_left[real] -= 1
            if real_left[real] == 0:
                del real_left[real]
        by_year[y].append(cve("CVE-%d-%d" % (y, 100000 + i), y, real))
        n += 1
for c in facts:
    item = mk.to_api20(c, mk.TS)
    by_year[int(c["id"].split("-")[1])].append(item)
    n += 1
for d in ("feeds-2.0", "feeds-1.1"):
    os.makedirs(os.path.join(out, d), exist_ok=True)


def write(path, obj):
    with open(path, "wb") as f:
        f.write(gzip.compress(json.dumps(obj, separators=(",", ":")).encode(), compresslevel=6, mtime=0))


TS = "2026-11-28T00:00:00.000"
for y, items in by_year.items():
    write(os.path.join(out, "feeds-2.0", "nvdcve-2.0-%d.json.gz" % y),
          {"resultsPerPage": len(items), "startIndex": 0, "totalResults": len(items), "format": "NVD_CVE",
           "version": "2.0", "timestamp": TS, "vulnerabilities": items})
    i11 = [to11(i) for i in items]
    write(os.path.join(out, "feeds-1.1", "nvdcve-1.1-%d.json.gz" % y),
          {"CVE_data_type": "CVE", "CVE_data_format": "MITRE", "CVE_data_version": "4.0",
           "CVE_data_numberOfCVEs": str(len(i11)), "CVE_data_timestamp": TS[:16] + "Z", "CVE_Items": i11})
recent = [i for y in (2026,) for i in by_year[y][:3000]]
write(os.path.join(out, "feeds-2.0", "nvdcve-2.0-modified.json.gz"),
      {"resultsPerPage": len(recent), "startIndex": 0, "totalResults": len(recent), "format": "NVD_CVE",
       "version": "2.0", "timestamp": TS, "vulnerabilities": recent})
write(os.path.join(out, "feeds-1.1", "nvdcve-1.1-modified.json.gz"),
      {"CVE_data_type": "CVE", "CVE_data_format": "MITRE", "CVE_data_version": "4.0",
       "CVE_data_numberOfCVEs": str(len(recent)), "CVE_data_timestamp": TS[:16] + "Z",
       "CVE_Items": [to11(i) for i in recent]})
print("%d CVEs -> %s" % (n, out))
