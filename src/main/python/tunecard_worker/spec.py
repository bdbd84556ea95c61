"""Reads the worker spec and validates it against spec.schema.json.

The schema is checked with the ``jsonschema`` library (Draft 2020-12); its errors are rewritten in
tunecard's style, each naming the key's path and what was expected, e.g.
``train.lr: expected a number > 0, found -1``. One deviation from the draft: ``integer`` is a JSON
integer literal only (``2.0`` is refused), because the worker uses those values as counts.
"""

import functools
import json
import re
from importlib import resources
from pathlib import Path

from .events import WorkerError


def schema_path(name: str = "spec"):
    """``schemas/<name>.schema.json`` inside this package, the one copy both sides read (the Java
    build packs the same file); found the same way from the source tree and from an install."""
    return resources.files(__package__) / "schemas" / f"{name}.schema.json"


def _show(value) -> str:
    return json.dumps(value, ensure_ascii=False)[:80]


def _where(prefix: str, parts) -> str:
    where = prefix
    for part in parts:
        if isinstance(part, int):
            where += f"[{part}]"
        else:
            where = f"{where}.{part}" if where else str(part)
    return where


_BOUNDS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}


def _messages(error, prefix: str) -> list:
    """tunecard's message(s) for one jsonschema ValidationError, never none."""
    return _rewrite(error, prefix) or [f"{_where(prefix, error.absolute_path) or '(spec)'}: "
                                       f"{error.message}"]


def _rewrite(error, prefix: str) -> list:
    key = _where(prefix, error.absolute_path)
    where = key or "(spec)"
    kind, expected, found = error.validator, error.validator_value, error.instance
    if kind in ("oneOf", "anyOf") and error.context:
        # The alternative that came closest, not every alternative's complaints.
        return _closest(error.context, prefix)
    if kind == "type":
        types = expected if isinstance(expected, list) else [expected]
        return [f"{where}: expected {' or '.join(types)}, found {_show(found)}"]
    if kind == "const":
        return [f"{where}: expected {_show(expected)}, found {_show(found)}"]
    if kind == "enum":
        allowed = ", ".join(_show(e) for e in expected)
        return [f"{where}: expected one of {allowed}, found {_show(found)}"]
    if kind in _BOUNDS:
        return [f"{where}: expected a number {_BOUNDS[kind]} {expected}, found {_show(found)}"]
    if kind == "required" and isinstance(found, dict):
        return [f"{where}: missing required key '{k}'" for k in expected if k not in found]
    if kind == "additionalProperties" and expected is False and isinstance(found, dict):
        props = error.schema.get("properties", {})
        patterns = error.schema.get("patternProperties", {})
        allowed = ", ".join(sorted(props) + [f"/{p}/" for p in sorted(patterns)])
        return [f"{_where(key, [k])}: unknown key (allowed here: {allowed})" for k in found
                if k not in props and not any(re.search(p, k) for p in patterns)]
    if kind == "minItems" and isinstance(found, list):
        return [f"{where}: expected at least {expected} item(s), found {len(found)}"]
    return [f"{where}: {error.message}"]


def _closest(context: list, prefix: str) -> list:
    """The messages of the oneOf/anyOf alternative that came closest: the fewest failed ``const``
    (a discriminator such as ``"event": {"const": "metrics"}`` that does not match rules it out),
    then the fewest errors, then the deepest ones (more of the value matched), then jsonschema's
    best_match."""
    from jsonschema.exceptions import best_match

    groups = {}
    for e in context:
        groups.setdefault(e.relative_schema_path[0], []).append(e)
    # No alternative's discriminator matches: name them all at that key.
    consts = [[e for e in g if e.validator == "const"] for g in groups.values()]
    paths = {tuple(c[0].absolute_path) for c in consts if c}
    if all(consts) and len(paths) == 1:
        where = _where(prefix, paths.pop()) or "(spec)"
        allowed = ", ".join(_show(c[0].validator_value) for c in consts)
        return [f"{where}: expected one of {allowed}, found {_show(consts[0][0].instance)}"]
    best = best_match(context)
    ranked = sorted(groups.items(), key=lambda item: (
        sum(e.validator == "const" for e in item[1]), len(item[1]),
        -max(len(e.absolute_path) for e in item[1]), best not in item[1], str(item[0])))
    return [m for e in ranked[0][1] for m in _messages(e, prefix)]


@functools.cache
def _validator_class():
    from jsonschema import Draft202012Validator, validators

    def integer(_checker, value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    checker = Draft202012Validator.TYPE_CHECKER.redefine("integer", integer)
    return validators.extend(Draft202012Validator, type_checker=checker)


def validate(value, schema: dict, path: str = "", errors: list | None = None) -> list:
    """Returns the list of error messages (empty when value conforms to schema), sorted, each
    naming the offending key below ``path``; appended to ``errors`` when given.
    Raises jsonschema.SchemaError when the schema itself is not a valid 2020-12 schema."""
    errors = [] if errors is None else errors
    cls = _validator_class()
    cls.check_schema(schema)
    found = set()
    for error in cls(schema).iter_errors(value):
        found.update(_messages(error, path))
    errors.extend(sorted(found))
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
    try:
        import jsonschema
    except ModuleNotFoundError as e:
        raise WorkerError("missing_dependency", "No module named 'jsonschema': the worker "
                          "validates its spec with it; install the worker with its requirements "
                          "(pip install ./src/main/python), `python -m tunecard_worker doctor` "
                          "names the range") from e
    try:
        errors = validate(spec, schema)
    except jsonschema.SchemaError as e:
        raise WorkerError("internal", f"{schema_path()}: not a valid JSON Schema 2020-12 "
                          f"({e.message}); the tunecard_worker package is damaged") from e
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
