#!/usr/bin/env python3
"""Validates OFREP responses against responses.schema.json (beside this file).

Reads JSON lines on stdin, one per response: {"route": "single"|"bulk", "status": 200, "body": "...", "headers": "..."}.
Picks the schema by route and status as the OFREP OpenAPI document does; a status it does not define is an error.
Prints one line per invalid response and exits 1 if there is any; 0 and "ok: N responses" otherwise.
"""
import json
import os
import sys

from jsonschema import Draft202012Validator

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = json.load(open(os.path.join(HERE, "responses.schema.json")))
Draft202012Validator.check_schema(SCHEMA)

# (route, status) -> definition; None means no body.
BY_STATUS = {
    ("single", 200): "evaluationSuccess",
    ("single", 400): "evaluationFailure",
    ("single", 404): "flagNotFound",
    ("bulk", 200): "bulkEvaluationSuccess",
    ("bulk", 304): None,
    ("bulk", 400): "bulkEvaluationFailure",
}
# Statuses every route may send with a general error body (429 rate limit, 413 body too large, 503 no config yet,
# 500), and statuses answered without an OFREP body (401 and 403 carry none in the spec; 405 is plain text; 204 is
# the answer to OPTIONS, a CORS preflight).
GENERAL = {413, 429, 500, 503}
NO_BODY = {204, 401, 403, 405}


def validator(name):
    return Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": SCHEMA["$defs"]})


def check(record):
    route, status, body = record["route"], record["status"], record["body"]
    if status in NO_BODY:
        return []
    if (route, status) in BY_STATUS:
        name = BY_STATUS[(route, status)]
    elif status in GENERAL:
        name = "generalErrorResponse"
    else:
        return [f"status {status} is not one OFREP defines for the {route} route"]
    if name is None:
        return [] if body == "" else [f"{status} must have no body, got {body[:80]!r}"]
    if "application/json" not in record.get("headers", "").lower():
        return [f"{status} {name}: Content-Type is not application/json"]
    try:
        document = json.loads(body)
    except ValueError as error:
        return [f"{status} {name}: not JSON ({error}): {body[:80]!r}"]
    return [f"{status} {name}: {error.message} at {list(error.absolute_path)}" for error in validator(name).iter_errors(document)]


def main():
    count, failures = 0, []
    for line in sys.stdin:
        if not line.strip():
            continue
        record = json.loads(line)
        count += 1
        failures += [f"{record['route']} {record['status']}: {problem}" for problem in check(record)]
    for failure in failures:
        print(failure)
    if failures:
        sys.exit(1)
    print(f"ok: {count} responses")


if __name__ == "__main__":
    main()
