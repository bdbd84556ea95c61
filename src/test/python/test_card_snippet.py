"""The quickstart card's usage snippet runs as written: its code block, with only ``base_id`` and
``adapter_id`` pointed at a scratch base and adapter that the JVM made (fixtures/scratch-run/, by
io.tunecard.train.UsageSnippetFixture: tokenizer.json plus the tokenizer_config.json with the chat
template that tunecard writes into every scratch base)."""

import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO, worker_env

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "scratch-run"


def snippet(card: Path) -> str:
    text = card.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1, f"{card}: expected one python block, found {len(blocks)}"
    return blocks[0]


def test_the_quickstart_cards_snippet_loads_base_and_adapter_and_answers(tmp_path):
    code = snippet(REPO / "docs" / "examples" / "quickstart" / "README.md")
    assert "apply_chat_template" in code and "PeftModel.from_pretrained" in code
    code, n = re.subn(r'(?m)^base_id = ".*"$', f'base_id = {str(FIXTURE / "base")!r}', code)
    assert n == 1
    code, n = re.subn(r'(?m)^adapter_id = ".*"$', f'adapter_id = {str(FIXTURE / "adapter")!r}',
                      code)
    assert n == 1
    script = tmp_path / "snippet.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=600, env=worker_env(), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.endswith("\n")


def test_the_scratch_bases_template_renders_mistrals_prompt():
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(FIXTURE / "base")
    text = tok.apply_chat_template([{"role": "user", "content": "What is gout?"}],
                                   add_generation_prompt=True, tokenize=False)
    assert text == "<s>[INST] What is gout?[/INST]"
    ids = tok.apply_chat_template([{"role": "user", "content": "What is gout?"}],
                                  add_generation_prompt=True, return_dict=False)
    assert ids[0] == tok.bos_token_id == 1 and tok.eos_token_id == 2
