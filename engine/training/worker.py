"""`python -m engine.training.worker JOB_DIR`: train one job (LoRA on the fp32 model) in a process of its own.

The engine writes JOB_DIR/spec.json; this process appends one JSON line per event to JOB_DIR/progress.jsonl
(step metrics, checkpoints, the final model, an error) and reads nothing else from the engine. SIGTERM asks it to
stop after the step in progress (a cancelled job), with its finished checkpoints kept.
"""

from __future__ import annotations

import json
import math
import random
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from engine.backends.registry import THREADS
from engine.training.convert import ensure_model_folder
from engine.training.data import IGNORE, Example, Pair, batches, encode_chat, encode_pair, read_jsonl
from engine.training.export import export_gguf

BASE_LEARNING_RATE = 1e-3  # LoRA on a 135M model: the multiplier scales this
LORA_RANK = 8
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj"]
MAX_EXAMPLE_TOKENS = 1024
DEFAULT_BETA = 0.1  # OpenAI's default for DPO: how far the tuned model may move from the base model


class Progress:
    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, kind: str, **data: Any) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps({"type": kind, "at": time.time(), **data}) + "\n")


class Stop:
    requested = False

    @classmethod
    def on_signal(cls, signum: int, frame: object) -> None:
        cls.requested = True


def _batch_tensors(batch: list[Example], pad_id: int) -> tuple[Any, Any, Any]:
    import torch

    width = max(len(e.ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, e in enumerate(batch):
        ids[row, :len(e.ids)] = torch.tensor(e.ids)
        labels[row, :len(e.labels)] = torch.tensor(e.labels)
        mask[row, :len(e.ids)] = 1
    return ids, mask, labels


def _loss_and_accuracy(model: Any, batch: list[Example], pad_id: int) -> tuple[Any, float]:
    """Mean cross-entropy over the learned tokens, and the share of them the model predicts exactly."""
    ids, mask, labels = _batch_tensors(batch, pad_id)
    out = model(input_ids=ids, attention_mask=mask, labels=labels)
    predicted = out.logits[:, :-1].argmax(-1)
    target = labels[:, 1:]
    learned = target != IGNORE
    correct = ((predicted == target) & learned).sum().item()
    return out.loss, correct / max(1, learned.sum().item())


def _sequence_logprobs(model: Any, examples: list[Example], pad_id: int) -> tuple[Any, Any, Any, Any]:
    """Each example's summed log-probability of its learned tokens, with the logits and targets behind it."""
    import torch

    ids, mask, labels = _batch_tensors(examples, pad_id)
    logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1]
    target = labels[:, 1:]
    learned = target != IGNORE
    picked = torch.gather(logits.log_softmax(-1), 2, target.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return (picked * learned).sum(-1), logits, target, learned


def _dpo_loss_and_accuracy(model: Any, batch: list[Pair], pad_id: int, beta: float) -> tuple[Any, float]:
    """Direct preference optimization against the base model (the adapter switched off): the loss starts at ln 2,
    when both answers are as likely as under the base, and falls as the preferred one gains on the other. The
    accuracy is the token accuracy on the preferred answers, as the supervised runs report it."""
    import torch
    import torch.nn.functional as functional

    examples = [pair.preferred for pair in batch] + [pair.non_preferred for pair in batch]
    policy, logits, target, learned = _sequence_logprobs(model, examples, pad_id)
    with torch.no_grad(), model.disable_adapter():
        reference = _sequence_logprobs(model, examples, pad_id)[0]
    n = len(batch)
    margin = (policy[:n] - reference[:n]) - (policy[n:] - reference[n:])
    loss = -functional.logsigmoid(beta * margin).mean()
    preferred = learned[:n]
    correct = ((logits[:n].argmax(-1) == target[:n]) & preferred).sum().item()
    return loss, correct / max(1, preferred.sum().item())


def _evaluate(loss_and_accuracy: Any, examples: list[Any], size: int) -> tuple[float, float]:
    import torch

    losses, accuracies = [], []
    with torch.no_grad():
        for batch in batches(examples, size, list(range(len(examples)))):
            loss, accuracy = loss_and_accuracy(batch)
            losses.append(loss.item())
            accuracies.append(accuracy)
    return sum(losses) / len(losses), sum(accuracies) / len(accuracies)


def merged_attention(model: Any) -> dict[str, Any]:
    """The attention weights with the adapter folded in (HF names, fp32 numpy), leaving the adapter in place."""
    import torch
    from peft.tuners.lora import LoraLayer

    out = {}
    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, LoraLayer) and name.rsplit(".", 1)[-1] in LORA_TARGETS:
                weight = module.base_layer.weight + module.get_delta_weight("default")
                hf_name = name[name.index("model.layers."):] + ".weight"
                out[hf_name] = weight.detach().float().numpy()
    return out


def train(job_dir: Path) -> None:
    spec = json.loads((job_dir / "spec.json").read_text())
    progress = Progress(job_dir / "progress.jsonl")
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(THREADS)
    torch.manual_seed(spec["seed"])
    base_gguf = Path(spec["base_gguf"])
    progress.write("message", message="Preparing the base model for training.")
    folder = ensure_model_folder(base_gguf, Path(spec["cache_dir"]))
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    def tokenize(text: str) -> list[int]:
        return tokenizer(text, add_special_tokens=False)["input_ids"]

    dpo = spec.get("method") == "dpo"
    encode = encode_pair if dpo else encode_chat
    training = [encode(e, tokenize, MAX_EXAMPLE_TOKENS) for e in read_jsonl(Path(spec["training_file"]))]
    training = [e for e in training if e.learned_tokens]
    validation = ([encode(e, tokenize, MAX_EXAMPLE_TOKENS) for e in read_jsonl(Path(spec["validation_file"]))]
                  if spec.get("validation_file") else [])
    validation = [e for e in validation if e.learned_tokens]
    if not training:
        raise ValueError("no example has an assistant answer to learn (all have weight 0 or were cut at "
                         f"{MAX_EXAMPLE_TOKENS} tokens)")
    model = get_peft_model(model, LoraConfig(r=LORA_RANK, lora_alpha=2 * LORA_RANK, lora_dropout=0.0,
                                             target_modules=LORA_TARGETS, task_type="CAUSAL_LM"))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=BASE_LEARNING_RATE * spec["learning_rate_multiplier"])
    beta = spec.get("beta") or DEFAULT_BETA

    def loss_and_accuracy(batch: list[Any]) -> tuple[Any, float]:
        if dpo:
            return _dpo_loss_and_accuracy(model, batch, pad_id, beta)
        return _loss_and_accuracy(model, batch, pad_id)

    size, epochs = spec["batch_size"], spec["n_epochs"]
    steps_per_epoch = math.ceil(len(training) / size)
    total = steps_per_epoch * epochs
    config = model.get_base_model().config
    heads = (config.num_attention_heads, config.num_key_value_heads or config.num_attention_heads)
    what = f"DPO (beta {beta:g}) on {len(training)} preference pairs" if dpo else f"{len(training)} examples"
    progress.write("message", message=f"Training {what} for {epochs} epochs ({total} steps, "
                                      f"LoRA r={LORA_RANK} on {', '.join(LORA_TARGETS)}).")
    step = 0
    rng = random.Random(spec["seed"])
    model.train()
    for epoch in range(1, epochs + 1):
        order = list(range(len(training)))
        rng.shuffle(order)
        for batch in batches(training, size, order):
            started = time.monotonic()
            loss, accuracy = loss_and_accuracy(batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            step += 1
            row: dict[str, Any] = {"step": step, "train_loss": round(loss.item(), 5),
                                   "train_mean_token_accuracy": round(accuracy, 5)}
            if validation:
                model.eval()
                pick = validation[(step - 1) % len(validation)]
                row["valid_loss"], row["valid_mean_token_accuracy"] = (
                    round(v, 5) for v in _evaluate(loss_and_accuracy, [pick], 1))
                if step % steps_per_epoch == 0:
                    row["full_valid_loss"], row["full_valid_mean_token_accuracy"] = (
                        round(v, 5) for v in _evaluate(loss_and_accuracy, validation, size))
                model.train()
            progress.write("step", total_steps=total, seconds=round(time.monotonic() - started, 3), **row)
            if Stop.requested:
                progress.write("cancelled", step=step)
                return
        path = job_dir / f"checkpoint-step-{step}.gguf"
        export_gguf(base_gguf, path, merged_attention(model), *heads)
        progress.write("checkpoint", step=step, epoch=epoch, path=str(path))
        if Stop.requested:
            progress.write("cancelled", step=step)
            return
    progress.write("succeeded", step=step, path=str(job_dir / f"checkpoint-step-{step}.gguf"))


def main(argv: list[str]) -> int:
    job_dir = Path(argv[1])
    signal.signal(signal.SIGTERM, Stop.on_signal)
    try:
        train(job_dir)
    except Exception as e:
        traceback.print_exc()
        Progress(job_dir / "progress.jsonl").write("failed", message=f"{type(e).__name__}: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
