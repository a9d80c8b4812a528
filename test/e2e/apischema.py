#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""apischema.py - check JSON on stdin against a schema of test/schema/.

    apischema.py SCHEMA.json          the JSON is one object of that schema
    apischema.py SCHEMA.json --each   the JSON is an array of them (may be empty)

Exits 0, or 1 with one line per mismatch ("path: want T, got U" or
"path: missing") on stdout.  The format is test/schema/README.md's.
"""
import json
import sys

JSON_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def type_of(v):
    for name, ok in JSON_TYPES.items():
        if ok(v):
            return name
    return type(v).__name__


def check(schema, v, path, errs):
    if isinstance(schema, str):
        schema = {"type": schema}
    elif isinstance(schema, list):
        if not any(JSON_TYPES[t](v) for t in schema):
            errs.append("%s: want %s, got %s" % (path, " or ".join(schema), type_of(v)))
        return
    want = schema["type"]
    if not JSON_TYPES[want](v):
        errs.append("%s: want %s, got %s" % (path, want, type_of(v)))
        return
    if "enum" in schema and v not in schema["enum"]:
        errs.append("%s: %r is not one of %s" % (path, v, schema["enum"]))
    for key, sub in schema.get("fields", {}).items():
        if key not in v:
            errs.append("%s.%s: missing" % (path, key))
        else:
            check(sub, v[key], "%s.%s" % (path, key), errs)
    if "values" in schema:
        for key, x in v.items():
            check(schema["values"], x, "%s.%s" % (path, key), errs)
    if "items" in schema:
        for i, x in enumerate(v):
            check(schema["items"], x, "%s[%d]" % (path, i), errs)


def main(argv):
    if len(argv) < 2 or len(argv) > 3 or (len(argv) == 3 and argv[2] != "--each"):
        print(__doc__.strip())
        return 2
    with open(argv[1]) as f:
        schema = json.load(f)
    try:
        doc = json.load(sys.stdin)
    except ValueError as e:
        print("not JSON: %s" % e)
        return 1
    errs = []
    if len(argv) == 3:
        if not isinstance(doc, list):
            errs.append("$: want array, got %s" % type_of(doc))
        else:
            for i, x in enumerate(doc):
                check(schema, x, "$[%d]" % i, errs)
    else:
        check(schema, doc, "$", errs)
    for e in errs:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
