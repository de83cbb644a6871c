#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Validate rxlane -j documents against the CLI's JSON schema.

Usage: cli_schema.py SCHEMA < DOCS, where DOCS holds one document per
line as "def<TAB>args<TAB>json": def names the schema's $defs entry the
document must match, args the command that printed it (for messages).
Prints one line per failure; exits 1 on any failure, or when no
document was read (a validator that validated nothing passes nothing).
"""
import json
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    bad = n = 0
    for line in sys.stdin:
        n += 1
        d, args, doc = line.rstrip("\n").split("\t", 2)
        if d not in schema["$defs"]:
            print("no $defs entry %r" % d)
            bad += 1
            continue
        sub = {"$schema": schema["$schema"], "$defs": schema["$defs"],
               "$ref": "#/$defs/" + d}
        try:
            jsonschema.validate(json.loads(doc), sub,
                                cls=jsonschema.Draft202012Validator)
        except (ValueError, jsonschema.ValidationError) as e:
            msg = e.message if hasattr(e, "message") else str(e)
            print("%r (%s): %s" % (args, d, msg))
            bad += 1
    if n == 0:
        print("no documents read")
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
