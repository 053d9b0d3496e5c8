#!/usr/bin/env python3
"""check_schema.py SCHEMA DOCUMENT: validates a JSON document against one of
the runtime-spec schemas in tests/data (draft-04, relative $refs). Exit 77
when python3-jsonschema is missing, 1 with the error when invalid."""
import json
import pathlib
import sys
import warnings

try:
    import jsonschema
except ImportError:
    print("python3 jsonschema is not installed", file=sys.stderr)
    sys.exit(77)

schema_path = pathlib.Path(sys.argv[1]).resolve()
schema = json.loads(schema_path.read_text())
doc = json.loads(pathlib.Path(sys.argv[2]).read_text())
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    resolver = jsonschema.RefResolver(base_uri=schema_path.parent.as_uri() + "/", referrer=schema)
    try:
        jsonschema.Draft4Validator(schema, resolver=resolver).validate(doc)
    except jsonschema.ValidationError as e:
        print(f"{'/'.join(map(str, e.absolute_path))}: {e.message}", file=sys.stderr)
        sys.exit(1)
