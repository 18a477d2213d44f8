#!/usr/bin/env python3
"""Checks gatewayd's OpenAPI document and real responses against it (run by the test suite).

Usage: openapi_check.py DOCUMENT [CASES]
  DOCUMENT  the OpenAPI 3.1 document (as served at /openapi.json)
  CASES     a JSON list of {"schema": "<name under components.schemas>", "instance": <a real body>, "what": "…"}
Exit 0 when the document is valid OpenAPI 3.1 (openapi-spec-validator) and every instance matches its schema
(openapi-schema-validator, OAS 3.1 dialect); 1 with one line per failure otherwise.
"""
import json
import sys

from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec


def main() -> int:
    with open(sys.argv[1]) as f:
        document = json.load(f)
    try:
        validate_spec(document)
    except Exception as error:  # the validator's own exception types vary across versions
        print(f"the document is not valid OpenAPI: {error}")
        return 1
    failures = []
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            cases = json.load(f)
        for case in cases:
            # The document is the root, so "#/components/schemas/…" references resolve inside it.
            schema = dict(document, **{"$ref": "#/components/schemas/" + case["schema"]})
            for error in OAS31Validator(schema).iter_errors(case["instance"]):
                failures.append(f"{case['what']}: {error.message} at {list(error.absolute_path)}")
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
