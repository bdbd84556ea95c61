"""Reads the worker spec and validates it against spec.schema.json.

No JSON-Schema library is a dependency of the worker, so this module checks the subset of the
2020-12 vocabulary that the schema uses: type (one or a list), const, enum, required, properties,
additionalProperties false, items, minItems, minimum, maximum, exclusiveMinimum, exclusiveMaximum.
A keyword it does not know is an error, so the schema cannot silently outgrow the validator.
"""

import json
from importlib import resources
from pathlib import Path

from .events import WorkerError

_IGNORED = {"$schema", "$id", "title", "description"}
_KNOWN = _IGNORED | {
    "type", "const", "enum", "required", "properties", "additionalProperties", "items",
    "minItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
}


def schema_path(name: str = "spec"):
    """``schemas/<name>.schema.json`` inside this package, the one copy both sides read (the Java
    build packs the same file); found the same way from the source tree and from an install."""
    return resources.files(__package__) / "schemas" / f"{name}.schema.json"


def _type_ok(value, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    raise ValueError(f"schema uses unknown type {name}")


def _same(a, b) -> bool:
    """JSON equality: true never equals 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _show(value) -> str:
    return json.dumps(value, ensure_ascii=False)[:80]


def validate(value, schema: dict, path: str = "", errors: list | None = None) -> list:
    """Returns the list of error messages (empty when value conforms to schema)."""
    errors = [] if errors is None else errors
    where = path or "(spec)"
    unknown = set(schema) - _KNOWN
    if unknown:
        raise ValueError(f"spec.schema.json at {where} uses unsupported keywords {sorted(unknown)}")
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_type_ok(value, t) for t in types):
            errors.append(f"{where}: expected {' or '.join(types)}, found {_show(value)}")
            return errors
    if "const" in schema and not _same(value, schema["const"]):
        errors.append(f"{where}: expected {_show(schema['const'])}, found {_show(value)}")
    if "enum" in schema and not any(_same(value, e) for e in schema["enum"]):
        allowed = ", ".join(_show(e) for e in schema["enum"])
        errors.append(f"{where}: expected one of {allowed}, found {_show(value)}")
    if _type_ok(value, "number"):
        for key, ok, word in (
            ("minimum", lambda v, b: v >= b, ">="),
            ("maximum", lambda v, b: v <= b, "<="),
            ("exclusiveMinimum", lambda v, b: v > b, ">"),
            ("exclusiveMaximum", lambda v, b: v < b, "<"),
        ):
            if key in schema and not ok(value, schema[key]):
                errors.append(f"{where}: expected a number {word} {schema[key]}, found {_show(value)}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{where}: missing required key '{key}'")
        for key, item in value.items():
            sub = f"{path}.{key}" if path else key
            if key in props:
                validate(item, props[key], sub, errors)
            elif schema.get("additionalProperties", True) is False:
                allowed = ", ".join(sorted(props))
                errors.append(f"{sub}: unknown key (allowed here: {allowed})")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(f"{where}: expected at least {schema['minItems']} item(s), found {len(value)}")
        if "items" in schema:
            for i, item in enumerate(value):
                validate(item, schema["items"], f"{path}[{i}]", errors)
    return errors


def _require(spec: dict, dotted: str, why: str) -> None:
    node = spec
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            raise WorkerError("bad_input", f"{dotted}: required for {why}, found null or nothing")


def load(path: str, command: str) -> dict:
    """Reads, validates and checks the spec for ``command``; raises WorkerError(bad_input)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise WorkerError("bad_input", f"{path}: cannot read the spec ({e.strerror})") from e
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as e:
        raise WorkerError("bad_input", f"{path}: line {e.lineno}: not JSON ({e.msg})") from e
    try:
        schema = json.loads(schema_path().read_text(encoding="utf-8"))
    except OSError as e:
        raise WorkerError("internal", f"{schema_path()}: cannot read the spec schema ({e.strerror}); "
                          "the tunecard_worker package is incomplete, reinstall it") from e
    errors = validate(spec, schema)
    if errors:
        raise WorkerError("bad_input", f"{path}: " + "; ".join(errors))
    if spec["command"] != command:
        raise WorkerError("bad_input", f"{path}: command: the worker was started for '{command}' "
                          f"but the spec says '{spec['command']}'")
    if spec["engine"] != "hf":
        raise WorkerError("bad_input", f"{path}: engine: this worker is the hf engine, found "
                          f"'{spec['engine']}' (the djl engine runs in the JVM)")
    if command == "pretrain":
        raise WorkerError("bad_input", "pretrain runs on the djl engine (model.base: scratch); "
                          "the hf engine trains LoRA adapters on an existing base")
    needs = {
        "train": ["lora", "train", "data.train"],
        "generate": ["generate", "data.questions"],
        "eval_loss": ["eval_loss", "data.validation"],
        "evaluate": ["eval_loss", "generate", "data.validation", "data.questions"],
    }[command]
    for dotted in needs:
        _require(spec, dotted, f"command {command}")
    if command == "train" and spec["model"]["dtype"] == "fp16":
        raise WorkerError("bad_input", "model.dtype: fp16 training needs loss scaling, which the hf "
                          "engine does not do; use bf16 (or auto) on GPU, fp32 on CPU")
    return spec
