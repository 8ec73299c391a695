"""Training throughput of one model config: target tokens per second and peak memory.

Runs the same loss as training (``Seq2SeqSystem._losses``: only non-pad positions are
projected to the vocabulary) with Adam and gradient clipping, on length-bucketed
batches of a task's training data, and prints one JSON line.

    python bench/throughput.py --task translation --steps 30 --threads 2
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import torch

from s2s_hub.data.datamodule import Seq2SeqDataModule
from s2s_hub.registry import get_task
from s2s_hub.tokenizer import Tokenizer
from s2s_hub.training.config import TrainConfig
from s2s_hub.training.run import build_system


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="translation")
    parser.add_argument("--vocab", type=int, default=8000)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--attention", default="bahdanau")
    parser.add_argument("--limit", type=int, default=20000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    task = get_task(args.task)
    pairs = task.pairs("train")[: args.limit]
    tokenizer = Tokenizer.train([t for p in pairs for t in p], vocab_size=args.vocab)
    model = {
        "emb_size": 256,
        "hidden_size": 256,
        "encoder_layers": 2,
        "decoder_layers": 2,
        "bidirectional": True,
        "attention": args.attention,
        "input_feeding": True,
        "dropout": 0.2,
    }
    config = TrainConfig(batch_size=args.batch_size, limit_train=args.limit)
    system = build_system(task, tokenizer, model, config)
    data = Seq2SeqDataModule(
        task, tokenizer, batch_size=args.batch_size, limit_train=args.limit
    )
    data.setup("fit")
    optimizer = torch.optim.Adam(system.parameters(), lr=1e-3)
    batches = iter(data.train_dataloader())
    tokens, started = 0, 0.0
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            tokens, started = 0, time.perf_counter()
        batch = next(batches)
        loss, _ = system._losses(batch)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(system.parameters(), 1.0)
        optimizer.step()
        tokens += int(batch.n_tokens)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "task": args.task,
                "attention": args.attention,
                "threads": args.threads,
                "batch_size": args.batch_size,
                "steps": args.steps,
                "parameters": sum(p.numel() for p in system.parameters()),
                "target_tokens_per_s": round(tokens / seconds, 1),
                "seconds_per_step": round(seconds / args.steps, 3),
                "peak_rss_gib": round(peak_rss_gib(), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
