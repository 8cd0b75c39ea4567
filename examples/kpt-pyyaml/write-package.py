# Writes package/ from Tutor v20.0.5's render (test/fixtures/tutor/stock-v20.yaml) the way a
# Python tool built on PyYAML writes manifests: one labels dict reused for a resource's metadata,
# selector and pod template (PyYAML writes it once, with an anchor, and aliases it after), long
# multi-line strings folded (a representer that asks for style '>'; PyYAML writes those it
# cannot fold double-quoted), and a short note over two lines on the Services and the LMS, which
# PyYAML writes single-quoted over several lines (kpt then writes its closing quote at column
# 0). Run with Debian's python3 and python3-yaml (PyYAML 6.0):
#
#   /usr/bin/python3 examples/kpt-pyyaml/write-package.py
#
# test/examples.test.ts runs it again and checks that it writes package/ as it is.
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
RENDER = os.path.join(HERE, "..", "..", "test", "fixtures", "tutor", "stock-v20.yaml")
NOTE = "Open edX, as Tutor renders it.\nOwned by the platform team.\n"
FILES = {
    "Namespace": "namespace.yaml",
    "ConfigMap": "configmaps.yaml",
    "Service": "services.yaml",
    "PersistentVolumeClaim": "volumes.yaml",
    "Deployment": "deployments.yaml",
    "Job": "jobs.yaml",
}


def folded(dumper, data):
    style = ">" if "\n" in data and len(data) > 80 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


yaml.SafeDumper.add_representer(str, folded)


def reused(value, seen):
    """The value with each mapping equal to one before it in the resource made that one."""
    if isinstance(value, dict):
        out = {k: reused(v, seen) for k, v in value.items()}
        key = repr(sorted(out.items()))
        if out and key in seen:
            return seen[key]
        seen.setdefault(key, out)
        return out
    if isinstance(value, list):
        return [reused(v, seen) for v in value]
    return value


def main(out_dir):
    by_file = {}
    with open(RENDER) as f:
        for doc in yaml.safe_load_all(f):
            if doc["kind"] == "Service" or doc["metadata"]["name"] == "lms":
                doc["metadata"].setdefault("annotations", {})["example.com/note"] = NOTE
            by_file.setdefault(FILES[doc["kind"]], []).append(reused(doc, {}))
    for name, docs in by_file.items():
        with open(os.path.join(out_dir, name), "w") as f:
            yaml.dump_all(docs, f, Dumper=yaml.SafeDumper)


main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "package"))
