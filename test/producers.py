# Real YAML producers and a YAML 1.1 reader for the tests, driven by test/producers.ts over a
# pipe: one JSON request per line in, one JSON answer per line out. Debian's python3-yaml
# (PyYAML 6.0 with libyaml) and python3-ruamel.yaml (0.17.21), run with /usr/bin/python3.
#
#   {"op": "dump", "lib": "pyyaml" | "ruamel", "docs": [...], "options": {...}, "share": bool}
#       -> {"text": "..."}: the documents as that library writes them (one document, or a
#          stream when "stream" is set). "share": a mapping equal to one seen before in the same
#          document is the same object, as when code reuses one labels dict: both libraries then
#          write an anchor and an alias. With ruamel's round-trip dumper, the option "comments"
#          puts comments in every position ruamel writes them.
#   {"op": "load", "text": "..."}
#       -> {"docs": [...]}: the text as libyaml reads it with PyYAML's safe constructor (YAML 1.1,
#          the reader of the kind Kubernetes uses), a value that is no JSON type marked
#          ({"$timestamp": "..."}, {"$float": "nan"}, ...).
import datetime
import io
import json
import math
import sys

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq


def shared(value, seen):
    """The value with each mapping equal to one met before replaced by that one."""
    if isinstance(value, dict):
        out = {k: shared(v, seen) for k, v in value.items()}
        key = json.dumps(out, sort_keys=True, default=str)
        if out and key in seen:
            return seen[key]
        seen.setdefault(key, out)
        return out
    if isinstance(value, list):
        return [shared(v, seen) for v in value]
    return value


def commented(value, depth, seen):
    """The value as ruamel's round-trip types, with comments in every position ruamel writes
    them: after a key's value, on a line before a key, after a list entry. A value used twice
    stays one object (ruamel writes an anchor and an alias)."""
    if id(value) in seen:
        return seen[id(value)]
    if isinstance(value, dict):
        out = seen[id(value)] = CommentedMap()
        for k, v in value.items():
            out[k] = commented(v, depth + 1, seen)
        for i, k in enumerate(out):
            if i % 2 == 0:
                out.yaml_add_eol_comment("a note", k)
            else:
                out.yaml_set_comment_before_after_key(k, before="a comment before", indent=depth * 2)
        return out
    if isinstance(value, list):
        out = seen[id(value)] = CommentedSeq()
        out.extend(commented(v, depth + 1, seen) for v in value)
        # After scalar entries only: ruamel 0.17.21 writes a comment after the dash of a mapping
        # entry and then loses the line break before the mapping's second key.
        for i in range(0, len(out), 2):
            if not isinstance(out[i], (dict, list)):
                out.yaml_add_eol_comment("an entry", i)
        return out
    return value


def dump(request):
    docs = request["docs"]
    if request.get("share"):
        docs = [shared(d, {}) for d in docs]
    options = request.get("options", {})
    stream = request.get("stream", False)
    if request["lib"] == "pyyaml":
        kwargs = dict(options)
        if "version" in kwargs:
            kwargs["version"] = tuple(kwargs["version"])
        if stream:
            return yaml.dump_all(docs, Dumper=yaml.SafeDumper, **kwargs)
        return yaml.dump(docs[0], Dumper=yaml.SafeDumper, **kwargs)
    y = YAML(typ=options.get("typ", "safe"), pure=True)
    if options.get("comments"):
        docs = [commented(d, 0, {}) for d in docs]
    if "indent" in options:
        y.indent(**options["indent"])
    for name in ("default_flow_style", "width", "explicit_start", "explicit_end", "allow_unicode"):
        if name in options:
            setattr(y, name, options[name])
    if "version" in options:
        y.version = tuple(options["version"])
    out = io.StringIO()
    if stream:
        y.dump_all(docs, out)
    else:
        y.dump(docs[0], out)
    return out.getvalue()


def plain(value):
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return {"$timestamp": value.isoformat()}
    if isinstance(value, bytes):
        return {"$binary": value.hex()}
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return {"$float": str(value)}
    if isinstance(value, (set, tuple)):
        return {"$collection": [plain(v) for v in value]}
    return value


def load(request):
    return [plain(d) for d in yaml.load_all(request["text"], Loader=yaml.CSafeLoader)]


def main():
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "dump":
                answer = {"text": dump(request)}
            else:
                answer = {"docs": load(request)}
        except Exception as e:  # the test shows it
            answer = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


main()
