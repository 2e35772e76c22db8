#!/usr/bin/env python3
"""Resolves the shipped flagd example through the real OpenFeature Python SDK and its OFREP provider.

Usage: openfeature_flagd_client.py BASE_URL
Prints one JSON object per evaluation: {"case", "value", "variant", "reason", "error_code"}. The Swift test
(ForeignFormatServeTests) asserts on them; this script decides nothing.
"""
import json
import sys

from openfeature import api
from openfeature.contrib.provider.ofrep import OFREPProvider
from openfeature.evaluation_context import EvaluationContext

api.set_provider(OFREPProvider(sys.argv[1]))
client = api.get_client()


def show(case, details):
    print(json.dumps({
        "case": case,
        "value": details.value,
        "variant": details.variant,
        "reason": str(details.reason.value if hasattr(details.reason, "value") else details.reason),
        "error_code": details.error_code.value if details.error_code else None,
    }, sort_keys=True))


show("targeted", client.get_boolean_details(
    "new-checkout", False, EvaluationContext(targeting_key="user-1", attributes={"email": "ana@example.com"})))
show("fractional", client.get_string_details("button-color", "none", EvaluationContext(targeting_key="user-2")))
show("disabled", client.get_boolean_details("legacy-export", True, EvaluationContext(targeting_key="user-3")))
