"""The spec validator against spec.schema.json, and bad input reported as protocol errors."""

import json

import pytest
from conftest import make_spec, run_worker
from tunecard_worker import spec as spec_module
from tunecard_worker.events import WorkerError


@pytest.fixture
def schema():
    return json.loads(spec_module.schema_path().read_text(encoding="utf-8"))


def base_spec(tmp_path, command="train"):
    splits = {"train": "/d/train.jsonl", "validation": "/d/validation.jsonl", "test": "/d/t.jsonl"}
    return make_spec(command, tmp_path / "model", splits, tmp_path / "out")


def test_a_full_spec_is_valid(schema, tmp_path):
    assert spec_module.validate(base_spec(tmp_path), schema) == []


@pytest.mark.parametrize("mutate, expected", [
    (lambda s: s["train"].update(micro_batch=0), "train.micro_batch: expected a number >= 1"),
    (lambda s: s["train"].update(micro_batch=2.5), "train.micro_batch: expected integer"),
    (lambda s: s["train"].update(micro_batch=True), "train.micro_batch: expected integer"),
    (lambda s: s["model"].update(quantization="int8"), "model.quantization: expected one of"),
    (lambda s: s["model"].pop("max_seq_len"), "model: missing required key 'max_seq_len'"),
    (lambda s: s["lora"].update(rank=8), "lora.rank: unknown key"),
    (lambda s: s.update(protocol=2), "protocol: expected 1"),
    (lambda s: s["lora"].update(targets=[]), "lora.targets: expected at least 1 item"),
    (lambda s: s["lora"].update(targets=["q_proj", "qkv"]), "lora.targets[1]: expected one of"),
    (lambda s: s["generate"]["strategies"][2].update(top_p=0), "generate.strategies[2].top_p"),
    (lambda s: s["lora"].update(alpha=0), "lora.alpha: expected a number > 0"),
    # bounds written from the workflow's declarations (worker.SpecSchema), not only lower ones
    (lambda s: s["lora"].update(r=1025), "lora.r: expected a number <= 1024, found 1025"),
    (lambda s: s["train"].update(lr=2), "train.lr: expected a number <= 1, found 2"),
    (lambda s: s["lora"].update(targets=["q_proj", "q_proj"]), "lora.targets: "),
    (lambda s: s.update(seed=None), "seed: expected integer, found null"),
])
def test_errors_name_the_key(schema, tmp_path, mutate, expected):
    spec = base_spec(tmp_path)
    mutate(spec)
    errors = spec_module.validate(spec, schema)
    assert any(expected in e for e in errors), errors


def write(tmp_path, spec):
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return str(path)


def test_load_checks_the_command_and_engine(tmp_path):
    spec = base_spec(tmp_path)
    with pytest.raises(WorkerError, match="started for 'generate'"):
        spec_module.load(write(tmp_path, spec), "generate")
    spec["engine"] = "djl"
    with pytest.raises(WorkerError, match="engine: this worker is the hf engine"):
        spec_module.load(write(tmp_path, spec), "train")


def test_load_requires_the_sections_of_the_command(tmp_path):
    spec = base_spec(tmp_path)
    spec["lora"] = None
    with pytest.raises(WorkerError, match="lora: required for command train"):
        spec_module.load(write(tmp_path, spec), "train")
    spec = base_spec(tmp_path, "generate")
    spec["data"]["questions"] = None
    with pytest.raises(WorkerError, match="data.questions: required for command generate"):
        spec_module.load(write(tmp_path, spec), "generate")


def test_pretrain_is_left_to_the_djl_engine(tmp_path):
    with pytest.raises(WorkerError, match="pretrain runs on the djl engine") as e:
        spec_module.load(write(tmp_path, base_spec(tmp_path, "pretrain")), "pretrain")
    assert e.value.kind == "bad_input"


def test_not_json_names_the_line(tmp_path):
    path = tmp_path / "spec.json"
    path.write_text('{\n "protocol": 1,\n oops\n}', encoding="utf-8")
    with pytest.raises(WorkerError, match=r"spec.json: line 3: not JSON"):
        spec_module.load(str(path), "train")


def test_the_worker_answers_a_bad_spec_with_one_error_event(tmp_path):
    spec = base_spec(tmp_path)
    spec["train"]["lr"] = -1
    code, events, stderr = run_worker("train", spec, tmp_path)
    assert code == 2
    assert [e["event"] for e in events] == ["error"]
    assert events[0]["kind"] == "bad_input"
    assert "train.lr: expected a number > 0" in events[0]["message"]
    assert "train.lr" in stderr


def test_an_unknown_key_a_wrong_type_and_an_out_of_range_number_name_the_key(schema, tmp_path):
    spec = base_spec(tmp_path)
    spec["train"]["learning_rate"] = 0.1
    spec["model"]["max_seq_len"] = "512"
    spec["lora"]["dropout"] = 1.5
    errors = spec_module.validate(spec, schema)
    assert errors == sorted(errors) and len(errors) == 3, errors
    assert errors[0] == 'lora.dropout: expected a number <= 0.999, found 1.5'
    assert errors[1] == 'model.max_seq_len: expected integer, found "512"'
    assert errors[2].startswith("train.learning_rate: unknown key (allowed here: adam_beta1, ")
    with pytest.raises(WorkerError) as e:
        spec_module.load(write(tmp_path, spec), "train")
    assert e.value.kind == "bad_input"
    assert e.value.message == f"{tmp_path / 'spec.json'}: " + "; ".join(errors)


def test_a_whole_number_written_as_a_float_is_not_an_integer(schema, tmp_path):
    spec = base_spec(tmp_path)
    spec["train"]["micro_batch"] = 2.0
    assert spec_module.validate(spec, schema) == ["train.micro_batch: expected integer, found 2.0"]


def test_one_of_reports_the_alternative_that_came_closest():
    schema = {"type": "object", "properties": {"steps": {"type": "array", "items": {"oneOf": [
        {"type": "object", "additionalProperties": False, "required": ["kind", "lr"],
         "properties": {"kind": {"const": "warmup"}, "lr": {"type": "number", "minimum": 0}}},
        {"type": "object", "additionalProperties": False, "required": ["kind", "every"],
         "properties": {"kind": {"const": "save"}, "every": {"type": "integer"}}},
    ]}}}}
    errors = spec_module.validate({"steps": [{"kind": "warmup", "lr": -1}]}, schema)
    assert errors == ["steps[0].lr: expected a number >= 0, found -1"]
    errors = spec_module.validate({"steps": [{"kind": "save", "every": 1, "lr": 1}]}, schema)
    assert errors == ["steps[0].lr: unknown key (allowed here: every, kind)"]
    errors = spec_module.validate({"steps": [{"kind": "cool", "lr": 1}]}, schema)
    assert errors == ['steps[0].kind: expected one of "warmup", "save", found "cool"']


def test_a_schema_with_a_mistake_is_refused(tmp_path):
    import jsonschema

    with pytest.raises(jsonschema.SchemaError):
        spec_module.validate({}, {"type": "objekt"})


def test_without_jsonschema_the_error_is_a_missing_dependency(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "jsonschema", None)  # import jsonschema raises
    with pytest.raises(WorkerError, match="No module named 'jsonschema'") as e:
        spec_module.load(write(tmp_path, base_spec(tmp_path)), "train")
    assert e.value.kind == "missing_dependency"
