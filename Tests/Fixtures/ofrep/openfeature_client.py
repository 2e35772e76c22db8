#!/usr/bin/env python3
"""Resolves flags through the real OpenFeature Python SDK and its OFREP provider against a running exporter.

Usage: openfeature_client.py BASE_URL [API_KEY]
Prints one JSON object per evaluation: {"case", "value", "variant", "reason", "error_code", "metadata"}. The Swift
test (OpenFeatureSDKTests) asserts on them; this script decides nothing.
"""
import json
import sys

from openfeature import api
from openfeature.contrib.provider.ofrep import OFREPProvider
from openfeature.evaluation_context import EvaluationContext

base_url = sys.argv[1]
api_key = sys.argv[2] if len(sys.argv) > 2 else None
headers = (lambda: {"X-API-Key": api_key}) if api_key else None
api.set_provider(OFREPProvider(base_url, headers_factory=headers))
client = api.get_client()


def show(case, details):
    print(json.dumps({
        "case": case,
        "value": details.value,
        "variant": details.variant,
        "reason": str(details.reason.value if hasattr(details.reason, "value") else details.reason),
        "error_code": details.error_code.value if details.error_code else None,
        "metadata": dict(details.flag_metadata or {}),
    }, sort_keys=True))


user = EvaluationContext(targeting_key="user-7", attributes={"user_type": "user"})
show("boolean", client.get_boolean_details("static_on", False, user))
show("string", client.get_string_details("colour", "none", user))
show("integer", client.get_integer_details("limit", 0, user))
show("float", client.get_float_details("ratio", 0.0, user))
show("object", client.get_object_details("theme", {}, user))
show("missing", client.get_boolean_details("no_such_flag", True, user))
show("nested", client.get_boolean_details(
    "gated", False, EvaluationContext(targeting_key="user-7", attributes={"account": {"plan": "pro"}})))
show("targeting", client.get_boolean_details(
    "gated", False, EvaluationContext(targeting_key="user-7", attributes={"userType": "admin"})))
show("no_targeting_key", client.get_boolean_details("percent", False, EvaluationContext(attributes={"user_type": "user"})))
show("type_mismatch", client.get_boolean_details("colour", False, user))
