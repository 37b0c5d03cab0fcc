"""Bench the fine-tuning dataset validator on a generated JSONL file (200 MB unless FINETUNE_BENCH_MB says otherwise):
its throughput as a ratio to tiktoken's raw encoding of the same text, and its peak memory (the child process's
maximum resident size). Goals: at least 0.8 of raw tokenizing speed, under 150 MB peak. Exits 1 on a miss."""

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

MODEL = "gpt-4o-mini"
MEGABYTES = int(os.environ.get("FINETUNE_BENCH_MB", "200"))
MIN_RATIO = 0.8
MAX_PEAK_MB = 150

WORDS = ("rivers carry water from high ground to the sea; the Danube crosses ten countries, déjà vu 数据 42, "
         "a delta forms where the current slows").split()


def generate(path: Path, megabytes: int) -> int:
    """Multi-turn chat examples of varied length, written line by line; returns the example count."""
    rng = random.Random(7)
    written = examples = 0
    with path.open("w", encoding="utf-8") as out:
        while written < megabytes * 1_000_000:
            turns = [{"role": "system", "content": "You answer questions about rivers."}]
            for _ in range(rng.randint(1, 3)):
                turns.append({"role": "user", "content": " ".join(rng.choices(WORDS, k=rng.randint(5, 40)))})
                turns.append({"role": "assistant", "content": " ".join(rng.choices(WORDS, k=rng.randint(10, 120)))})
            line = json.dumps({"messages": turns}, ensure_ascii=False) + "\n"
            out.write(line)
            written += len(line.encode())
            examples += 1
    return examples


def raw_tokenizing_seconds(path: Path) -> float:
    """tiktoken alone over the same bytes, line by line: the floor no validator can beat."""
    from shared_rules.tokens import encoding_name_for_model, get_encoding

    encoding = get_encoding(encoding_name_for_model(MODEL))
    started = time.perf_counter()
    with path.open("rb") as lines:
        for raw in lines:
            encoding.encode_ordinary(raw.decode("utf-8"))
    return time.perf_counter() - started


CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from shared_rules.datasets import validate_training_jsonl
started = time.perf_counter()
with open({path!r}, "rb") as lines:
    report = validate_training_jsonl(lines, {model!r})
print(time.perf_counter() - started, report.examples, report.error_count)
"""


def validator_run(path: Path) -> tuple[float, int, int, float]:
    """The validator in a child process, streaming the file as the Celery task does: seconds, examples, errors,
    and the child's peak resident memory in MB."""
    code = CHILD.format(root=str(ROOT), path=str(path), model=MODEL)
    answer = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux reports KiB
    return float(answer[0]), int(answer[1]), int(answer[2]), peak_mb


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="finetune-bench-") as folder:
        path = Path(folder) / "train.jsonl"
        examples = generate(path, MEGABYTES)
        size_mb = path.stat().st_size / 1_000_000
        seconds, checked, errors, peak_mb = validator_run(path)
        raw = raw_tokenizing_seconds(path)
    ratio = raw / seconds
    print(f"fine-tuning validator on {size_mb:.0f} MB ({examples:,} examples, {MODEL})")
    print(f"  validator      {size_mb / seconds:7.1f} MB/s  ({seconds:.1f} s, {checked:,} examples, {errors} errors)")
    print(f"  raw tiktoken   {size_mb / raw:7.1f} MB/s  ({raw:.1f} s)")
    ok_speed = ratio >= MIN_RATIO and checked == examples and errors == 0
    ok_memory = peak_mb < MAX_PEAK_MB
    print(f"  {'PASS' if ok_speed else 'FAIL'}  speed {ratio:.2f} of raw tokenizing (goal >= {MIN_RATIO})")
    print(f"  {'PASS' if ok_memory else 'FAIL'}  peak memory {peak_mb:.0f} MB (goal < {MAX_PEAK_MB} MB)")
    return 0 if ok_speed and ok_memory else 1


if __name__ == "__main__":
    sys.exit(main())
