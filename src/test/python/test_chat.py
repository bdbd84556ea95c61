"""The shared chat-template vectors (src/test/resources/fixtures/chat-template/vectors.json; the JVM's
ChatTemplateVectorsTest checks the same file): the worker's template text and ids, transformers'
own AutoTokenizer, and both eval-loss definitions."""

import json
import shutil

import pytest
from conftest import REPO

FIXTURE = REPO / "src" / "test" / "resources" / "fixtures" / "chat-template"
VECTORS = json.loads((FIXTURE / "vectors.json").read_text(encoding="utf-8"))


def load(directory):
    from tokenizers import Tokenizer
    from transformers import AutoConfig

    from tunecard_worker.chat import ChatTemplate

    tok = Tokenizer.from_file(str(FIXTURE / "tokenizer.json"))
    return ChatTemplate.load({"chat_template": "mistral-inst"}, directory, tok,
                             AutoConfig.from_pretrained(FIXTURE))


def test_the_vectors_are_what_transformers_renders():
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(FIXTURE)
    for c in VECTORS["cases"]:
        user = [{"role": "user", "content": c["question"]}]
        both = user + [{"role": "assistant", "content": c["answer"]}]
        assert tok.apply_chat_template(user, add_generation_prompt=True, tokenize=False) \
            == c["prompt_text"]
        assert tok.apply_chat_template(both, tokenize=True, return_dict=False) == c["ids"]


def test_worker_ids_equal_the_vectors():
    t = load(FIXTURE)
    assert t.origin.endswith("tokenizer_config.json")
    ids = VECTORS["special_ids"]
    assert (t.bos_id, t.eos_ids, t.pad_id) == (ids["bos"], ids["eos"], ids["pad"])
    cases = VECTORS["cases"]
    assert t.prompts([c["question"] for c in cases]) == [c["prompt_ids"] for c in cases]
    exchanges = t.exchanges([c["question"] for c in cases], [c["answer"] for c in cases])
    assert exchanges == [(c["ids"], len(c["prompt_ids"])) for c in cases]


def test_mistral_v03_prompt_has_no_space_before_the_closing_tag():
    t = load(FIXTURE)
    texts = [c["prompt_text"] for c in VECTORS["cases"]]
    assert texts[0] == "<s>[INST] What is (are) Glaucoma ?[/INST]"
    assert texts[1] == "<s>[INST] What causes gout? [/INST]"  # the question's own trailing space


def test_a_base_without_a_template_gets_the_bundled_one(tmp_path):
    shutil.copy(FIXTURE / "tokenizer.json", tmp_path / "tokenizer.json")
    t = load(tmp_path)
    assert t.origin == "tunecard's mistral-inst template"
    cases = VECTORS["cases"]
    assert t.prompts([c["question"] for c in cases]) == [c["prompt_ids"] for c in cases]


def test_the_bundled_template_has_one_copy_which_the_jvm_build_packs():
    python = REPO / "src" / "main" / "python" / "tunecard_worker" / "chat_templates"
    assert (python / "mistral-inst.jinja").is_file()
    copies = [p for p in (REPO / "src").rglob("mistral-inst.jinja") if p.parent != python]
    assert copies == []
    pom = (REPO / "pom.xml").read_text(encoding="utf-8")
    assert "<directory>src/main/python/tunecard_worker/chat_templates</directory>" in pom
    assert "<targetPath>io/tunecard/tokenize/chat-templates</targetPath>" in pom


def test_raise_exception_is_bad_input():
    from tunecard_worker.events import WorkerError

    t = load(FIXTURE)
    with pytest.raises(WorkerError, match="conversation roles must alternate"):
        t._apply([[{"role": "assistant", "content": "x"}]], False)


def test_both_eval_loss_definitions_match_the_shared_vector():
    from tunecard_worker.eval_loss import eval_losses

    e = VECTORS["eval_loss"]
    got = eval_losses([tuple(r) for r in e["rows"]], e["batch_size"])
    assert got["eval_loss"] == pytest.approx(e["eval_loss"], abs=1e-12)
    assert got["eval_loss_token_weighted"] == pytest.approx(e["eval_loss_token_weighted"],
                                                            abs=1e-12)
    assert (got["batches"], got["tokens"]) == (3, 11)
