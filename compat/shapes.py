"""Checks recorded AWS JSON responses (cognito-emu --record-responses) against the official
service models in models/ (botocore's cognito-idp and cognito-identity, docs stripped).

Successful answers: the output shape's required members present, no member the model does not
name, JSON types as the model says (timestamps are epoch-second numbers), enum values from the
model's set, no nulls. Errors: `__type` is one of the operation's modelled errors (or a
protocol-level error), `message` is a string, and the HTTP status is the one the model gives.

Usage: python3 compat/shapes.py <recorded.jsonl>   (exit 1 on any violation)
"""

import json
import os
import sys

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models")
# Errors any operation may answer before its handler runs (see src/protocol/aws_json.rs).
PROTOCOL_ERRORS = {
    "SerializationException",
    "UnknownOperationException",
    "NotImplementedException",
    "InvalidParameterException",
}


def load_models(models_dir=MODELS):
    return {
        name: json.load(open(os.path.join(models_dir, f"{name}.json")))
        for name in ("cognito-idp", "cognito-identity")
    }


def _type_ok(kind, value):
    if kind == "structure" or kind == "map":
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    if kind in ("string", "blob"):
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("double", "float", "timestamp"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return True


def check_value(model, shape_name, value, path, out):
    """Appends a message to `out` for each way `value` breaks shape `shape_name`."""
    shape = model["shapes"][shape_name]
    kind = shape["type"]
    if value is None:
        out.append(f"{path}: null (AWS omits absent members)")
        return
    # A document shape (ManagedLoginBranding Settings) is free-form JSON: any value holds.
    if shape.get("document"):
        return
    if not _type_ok(kind, value):
        what = "an epoch-seconds number" if kind == "timestamp" else kind
        out.append(f"{path}: {type(value).__name__} {json.dumps(value)[:60]} where the model has {what} ({shape_name})")
        return
    if kind == "structure":
        members = shape.get("members", {})
        for req in shape.get("required", []):
            if req not in value:
                out.append(f"{path}.{req}: required member missing ({shape_name})")
        for k, v in value.items():
            if k not in members:
                out.append(f"{path}.{k}: member not in the model ({shape_name})")
            else:
                check_value(model, members[k]["shape"], v, f"{path}.{k}", out)
    elif kind == "list":
        for i, v in enumerate(value):
            check_value(model, shape["member"]["shape"], v, f"{path}[{i}]", out)
    elif kind == "map":
        for k, v in value.items():
            check_value(model, shape["key"]["shape"], k, f"{path} key", out)
            check_value(model, shape["value"]["shape"], v, f"{path}[{k!r}]", out)
    elif kind == "string" and "enum" in shape and value not in shape["enum"]:
        out.append(f"{path}: {value!r} is not one of {shape_name}'s values")


def check_record(models, rec):
    """The violations of one recorded response, as strings."""
    out = []
    service, action, status, body = rec.get("service"), rec.get("action"), rec.get("status"), rec.get("body")
    where = f"{service}.{action} ({status})"
    if not isinstance(body, dict):
        return [f"{where}: body is not a JSON object"]
    if status != 200:
        etype = body.get("__type")
        if not isinstance(body.get("message"), str):
            out.append(f"{where}: error message is not a string")
        if service is None:
            if etype != "UnknownOperationException":
                out.append(f"{where}: {etype} for an unknown target")
            return out
        model = models[service]
        op = model["operations"].get(action)
        if op is None:
            if etype != "UnknownOperationException":
                out.append(f"{where}: {etype} for an unmodelled action")
            return out
        allowed = {e["shape"] for e in op.get("errors", [])} | PROTOCOL_ERRORS
        if etype not in allowed:
            out.append(f"{where}: __type {etype} is not a modelled error of {action}")
        shape = model["shapes"].get(etype)
        if shape is not None:
            want = shape.get("error", {}).get("httpStatusCode", 500 if shape.get("fault") else 400)
        else:
            want = {"NotImplementedException": 501}.get(etype, 400)
        if want != status:
            out.append(f"{where}: {etype} answered with HTTP {status}, the model says {want}")
        extra = set(body) - {"__type", "message"}
        if extra:
            out.append(f"{where}: error body has extra members {sorted(extra)}")
        return out
    model = models.get(service)
    op = model and model["operations"].get(action)
    if not op:
        return [f"{where}: success for an operation the model does not have"]
    if "output" not in op:
        if body:
            out.append(f"{where}: the operation has no output, the body is {json.dumps(body)[:80]}")
        return out
    check_value(model, op["output"]["shape"], body, action, out)
    return [f"{where}: {v}" for v in out]


def validate_file(path, models=None):
    """(violations, counts) for a recorded JSONL file; counts maps (service, action) -> n."""
    models = models or load_models()
    violations, counts = [], {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            key = (rec.get("service"), rec.get("action"), rec.get("status") == 200)
            counts[key] = counts.get(key, 0) + 1
            violations += [f"line {n}: {v}" for v in check_record(models, rec)]
    return violations, counts


def timestamps_in(model, shape_name, value, found):
    """Collects every value of a timestamp member in a (model-valid) output."""
    shape = model["shapes"][shape_name]
    kind = shape["type"]
    if kind == "timestamp":
        found.append(value)
    elif kind == "structure" and isinstance(value, dict):
        for k, v in value.items():
            m = shape.get("members", {}).get(k)
            if m:
                timestamps_in(model, m["shape"], v, found)
    elif kind == "list" and isinstance(value, list):
        for v in value:
            timestamps_in(model, shape["member"]["shape"], v, found)
    elif kind == "map" and isinstance(value, dict):
        for v in value.values():
            timestamps_in(model, shape["value"]["shape"], v, found)


if __name__ == "__main__":
    violations, counts = validate_file(sys.argv[1])
    for v in violations:
        print(v)
    print(f"{sum(counts.values())} responses checked, {len(violations)} violations")
    sys.exit(1 if violations else 0)
