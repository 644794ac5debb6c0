#!/usr/bin/env python3
"""Whether a merged report equals the unsharded scan: same-scan.py WHOLE.xml MERGED.xml [WHOLE.json MERGED.json]

XML: ndiff sees no difference (the comparison nmap's own users trust; it leaves out times and the command line).
JSON: equal once what no two runs share is left out: the command line ("args"), the times (summary.started,
elapsed_s, ports_per_s), what only a merged report carries (scan.merged_from, the reports it came from), and
which closed ports were closed by a self-connect rather than a refusal: a loopback connect lands on its own port when
the kernel happens to pick the target port as the source, which depends on the moment, not on the sharding.
Exit 0 when equal, else 1 with the differences on stderr.
"""
import json
import subprocess
import sys

RUN_ONLY = {"args", "started", "finished", "elapsed_s", "ports_per_s", "merged_from"}


def refused(reason):
    return "conn-refused" if reason == "self-connect" else reason


def normalized(value):
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k not in RUN_ONLY}
        if "reason" in value:
            value["reason"] = refused(value["reason"])
        if isinstance(value.get("reasons"), list):
            counts = {}
            for r in value["reasons"]:
                key = (r["state"], r["protocol"], refused(r["reason"]))
                counts[key] = counts.get(key, 0) + r["count"]
            value["reasons"] = [{"state": k[0], "protocol": k[1], "reason": k[2], "count": n} for k, n in sorted(counts.items())]
        return {k: normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalized(v) for v in value]
    return value


def differences(whole, merged, path="$"):
    if type(whole) is not type(merged):
        return [f"{path}: {whole!r} unsharded, {merged!r} merged"]
    if isinstance(whole, dict):
        found = []
        for key in sorted(set(whole) | set(merged)):
            if key not in merged or key not in whole:
                found.append(f"{path}.{key}: only in the {'unsharded' if key in whole else 'merged'} report")
            else:
                found += differences(whole[key], merged[key], f"{path}.{key}")
        return found
    if isinstance(whole, list):
        if len(whole) != len(merged):
            return [f"{path}: {len(whole)} items unsharded, {len(merged)} merged"]
        return [d for i, (w, m) in enumerate(zip(whole, merged)) for d in differences(w, m, f"{path}[{i}]")]
    return [] if whole == merged else [f"{path}: {whole!r} unsharded, {merged!r} merged"]


def load(path):
    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f)
        except ValueError as e:
            raise ValueError(f"{path} is not JSON: {e}") from None


def main(args):
    if len(args) not in (2, 4):
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    same = True
    ndiff = subprocess.run(["ndiff", args[0], args[1]], capture_output=True, text=True)
    if ndiff.returncode != 0:
        print(f"ndiff {args[0]} {args[1]} (exit {ndiff.returncode}):\n{ndiff.stdout}{ndiff.stderr}", file=sys.stderr)
        same = False
    if len(args) == 4:
        try:
            found = differences(normalized(load(args[2])), normalized(load(args[3])))
        except ValueError as e:
            found = [str(e)]
        if found:
            print(f"{args[2]} and {args[3]} differ:\n  " + "\n  ".join(found), file=sys.stderr)
            same = False
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
