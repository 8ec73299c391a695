"""Training against distractors: the per-row score is the metric's, the loss ranks."""

import json

import pytest
import torch

from s2s_hub.cli.main import main
from s2s_hub.data.collate import Batch
from s2s_hub.model import Seq2Seq, Seq2SeqConfig
from s2s_hub.training.distractors import distractor_loss, mean_log_probs
from s2s_hub.training.loss import token_log_probs
from s2s_hub.training.system import Seq2SeqSystem

VOCAB, PAD, BOS, EOS = 12, 0, 2, 3


def tiny_model(copy: bool = False) -> Seq2Seq:
    torch.manual_seed(0)
    return Seq2Seq(Seq2SeqConfig(VOCAB, VOCAB, 16, 24, 1, 1, dropout=0.0, copy=copy))


def batch_of(targets: list[list[int]], generator: torch.Generator) -> Batch:
    """Random sources of 5 tokens; ``targets`` padded, one of them shorter."""
    size = len(targets)
    src = torch.randint(4, VOCAB, (size, 5), generator=generator)
    width = max(map(len, targets)) + 1
    tgt_out = torch.full((size, width), PAD)
    tgt_in = torch.full((size, width), PAD)
    for row, target in enumerate(targets):
        tgt_out[row, : len(target) + 1] = torch.tensor([*target, EOS])
        tgt_in[row, : len(target) + 1] = torch.tensor([BOS, *target])
    n_tokens = int((tgt_out != PAD).sum())
    return Batch(
        src, torch.full((size,), 5), tgt_in, tgt_out, torch.arange(size), n_tokens
    )


def echo_batch(size: int, generator: torch.Generator) -> Batch:
    """Each target is its source's first two tokens: a reply that fits only its
    own context, as a dialogue's should."""
    batch = batch_of([[0, 0]] * size, generator)
    batch.tgt_out[:, :2] = batch.src[:, :2]
    batch.tgt_in[:, 1:3] = batch.src[:, :2]
    return batch


@pytest.mark.parametrize("copy", [False, True])
def test_row_scores_are_the_mean_log_probability_of_each_target(copy):
    model = tiny_model(copy).eval()
    batch = batch_of([[5, 6, 7], [8], [9, 4]], torch.Generator().manual_seed(0))
    state = model.encode(batch.src, batch.src_lengths)
    log_probs, keep = token_log_probs(model, state, batch.tgt_in, batch.tgt_out)
    scores = mean_log_probs(log_probs, batch.tgt_out, keep)
    full = model(batch.src, batch.src_lengths, batch.tgt_in).logits.log_softmax(-1)
    gold = full.gather(-1, batch.tgt_out.unsqueeze(-1)).squeeze(-1)
    for row, length in enumerate([4, 2, 3]):  # targets + EOS, no pad
        assert scores[row].item() == pytest.approx(gold[row, :length].mean().item())
    assert torch.allclose(log_probs.exp().sum(-1), torch.ones(len(log_probs)))


def test_identical_neighbours_are_no_distractors():
    model = tiny_model()
    batch = batch_of([[5, 6]] * 3, torch.Generator().manual_seed(0))
    state = model.encode(batch.src, batch.src_lengths)
    assert distractor_loss(model, state, batch, torch.zeros(3)).item() == 0.0


def scores_under_own_sources(
    model: Seq2Seq, batch: Batch, targets: Batch
) -> torch.Tensor:
    """Each row's mean log-probability of ``targets``' row under ``batch``'s source."""
    state = model.encode(batch.src, batch.src_lengths)
    log_probs, keep = token_log_probs(model, state, targets.tgt_in, targets.tgt_out)
    return mean_log_probs(log_probs, targets.tgt_out, keep)


@pytest.mark.parametrize("count", [1, 3])
def test_each_row_picks_its_own_target_among_the_previous_rows(count):
    """Against row-by-row scoring: softmax over the true target and the targets of
    the ``count`` previous rows; the repeated target of row 3 is no distractor."""
    model = tiny_model().eval()
    batch = batch_of([[5, 6, 7], [8], [9, 4], [9, 4]], torch.Generator().manual_seed(0))
    true = scores_under_own_sources(model, batch, batch)
    state = model.encode(batch.src, batch.src_lengths)
    loss = distractor_loss(model, state, batch, true, count)
    others = []
    for k in range(1, count + 1):
        rolled = Batch(
            batch.src,
            batch.src_lengths,
            batch.tgt_in.roll(k, 0),
            batch.tgt_out.roll(k, 0),
            batch.index,
            batch.n_tokens,
        )
        others.append(scores_under_own_sources(model, batch, rolled))
    expected = []
    for row in range(4):
        kept = [
            others[k][row]
            for k in range(count)
            if not torch.equal(batch.tgt_out.roll(k + 1, 0)[row], batch.tgt_out[row])
        ]
        expected.append(torch.stack([true[row], *kept]).logsumexp(0) - true[row])
    if count == 1:  # the logistic loss of one pair
        assert expected[1].item() == pytest.approx(
            torch.nn.functional.softplus(others[0][1] - true[1]).item(), rel=1e-5
        )
        expected.pop(3)  # row 3's only neighbour has its very target
    assert loss.item() == pytest.approx(torch.stack(expected).mean().item(), rel=1e-5)


def rows(batch: Batch, index: list[int]) -> Batch:
    """The batch of ``batch``'s rows ``index``."""
    return Batch(
        batch.src[index],
        batch.src_lengths[index],
        batch.tgt_in[index],
        batch.tgt_out[index],
        batch.index[index],
        batch.n_tokens,
    )


def test_a_pool_of_another_batch_gives_each_row_its_targets_in_turn():
    """Distractors of another length: row i's k-th is the pool's row i - k, scored
    row by row under row i's source; the pool's copy of row 0's target is none."""
    model = tiny_model().eval()
    generator = torch.Generator().manual_seed(0)
    batch = batch_of([[5, 6, 7], [8], [9, 4]], generator)
    pool = batch_of([[5, 6, 7], [4, 4, 4, 4, 4, 4], [8, 9]], generator)
    true = scores_under_own_sources(model, batch, batch)
    state = model.encode(batch.src, batch.src_lengths)
    pooled = (pool.tgt_in, pool.tgt_out)
    loss = distractor_loss(model, state, batch, true, count=2, pool=pooled)
    expected = []
    for row in range(3):
        picks = [(row - k) % 3 for k in (1, 2)]
        kept = [
            scores_under_own_sources(model, rows(batch, [row]), rows(pool, [pick]))[0]
            for pick in picks
            if not (row == 0 and pick == 0)
        ]
        expected.append(torch.stack([true[row], *kept]).logsumexp(0) - true[row])
    assert pool.tgt_out.shape[1] > batch.tgt_out.shape[1]
    assert loss.item() == pytest.approx(torch.stack(expected).mean().item(), rel=1e-5)


def test_training_against_distractors_ranks_each_reply_under_its_own_context():
    torch.manual_seed(0)
    model = tiny_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(1)
    held_out = echo_batch(64, torch.Generator().manual_seed(99))

    def ranking_loss(batch: Batch) -> torch.Tensor:
        state = model.encode(batch.src, batch.src_lengths)
        log_probs, keep = token_log_probs(model, state, batch.tgt_in, batch.tgt_out)
        true_scores = mean_log_probs(log_probs, batch.tgt_out, keep)
        return distractor_loss(model, state, batch, true_scores)

    with torch.no_grad():
        before = ranking_loss(held_out).item()
    for _ in range(60):
        loss = ranking_loss(echo_batch(32, generator))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        after = ranking_loss(held_out).item()
    assert before == pytest.approx(0.69, abs=0.1)  # log 2: no preference yet
    assert after < 0.2


@pytest.mark.filterwarnings("ignore:You are trying to `self.log")
def test_the_system_adds_the_weighted_distractor_loss_in_training_only():
    batch = batch_of([[5, 6, 7], [8, 4], [9, 4, 5]], torch.Generator().manual_seed(0))
    model = tiny_model().config.to_dict()
    plain = Seq2SeqSystem(model=model, task="reverse")
    ranked = Seq2SeqSystem(model=model, task="reverse", distractor_weight=0.5)
    ranked.load_state_dict(plain.state_dict())
    state = plain.model.encode(batch.src, batch.src_lengths)
    log_probs, keep = token_log_probs(plain.model, state, batch.tgt_in, batch.tgt_out)
    scores = mean_log_probs(log_probs, batch.tgt_out, keep)
    expected = 0.5 * distractor_loss(plain.model, state, batch, scores)
    for system in (plain, ranked):
        system.model.eval()  # no dropout: the two passes must agree
    loss, nll = plain._losses(batch)
    ranked_loss, ranked_nll = ranked._losses(batch)
    assert ranked_nll.item() == pytest.approx(nll.item(), rel=1e-5)
    assert (ranked_loss - loss).item() == pytest.approx(expected.item(), rel=1e-4)
    ranked.eval()
    assert ranked._losses(batch)[0].item() == pytest.approx(loss.item(), rel=1e-5)


@pytest.mark.filterwarnings("ignore:You are trying to `self.log")
def test_the_previous_pool_ranks_against_the_last_training_batch():
    generator = torch.Generator().manual_seed(0)
    first = batch_of([[5, 6, 7], [8, 4], [9, 4, 5]], generator)
    second = batch_of([[7], [6, 6, 6, 6], [5, 4]], generator)
    model = tiny_model().config.to_dict()
    plain = Seq2SeqSystem(model=model, task="reverse")
    pooled = Seq2SeqSystem(
        model=model, task="reverse", distractor_weight=1.0, distractor_pool="previous"
    )
    pooled.load_state_dict(plain.state_dict())
    for system in (plain, pooled):
        system.model.eval()  # no dropout: the passes must agree

    def expected(batch: Batch, pool: Batch) -> float:
        state = plain.model.encode(batch.src, batch.src_lengths)
        log_probs, keep = token_log_probs(
            plain.model, state, batch.tgt_in, batch.tgt_out
        )
        true = mean_log_probs(log_probs, batch.tgt_out, keep)
        ranking = distractor_loss(
            plain.model, state, batch, true, pool=(pool.tgt_in, pool.tgt_out)
        )
        return plain._losses(batch)[0].item() + ranking.item()

    # a process's first step has no previous batch: the batch itself
    assert pooled._losses(first)[0].item() == pytest.approx(
        expected(first, first), rel=1e-5
    )
    assert pooled._losses(second)[0].item() == pytest.approx(
        expected(second, first), rel=1e-5
    )
    assert expected(second, first) != pytest.approx(expected(second, second))


def test_a_dialogue_run_trains_against_distractors_and_selects_by_hits(tmp_path):
    words = [
        "tea",
        "coffee",
        "rain",
        "snow",
        "cats",
        "dogs",
        "music",
        "films",
        "books",
        "games",
    ]
    for split, size in (("train", 300), ("dev", 40), ("test", 40)):
        rows = [
            f"do you like {words[i % 10]} ? <sep> a bit\tyes i love {words[i % 10]}"
            for i in range(size)
        ]
        (tmp_path / f"{split}.tsv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "run"
    args = [
        "train",
        "--task",
        "dialogue",
        "--task_options",
        json.dumps({"data_dir": str(tmp_path)}),
        "--model.hidden_size",
        "16",
        "--model.emb_size",
        "16",
        "--train.vocab_size",
        "40",
        "--train.max_epochs",
        "10",  # 50 steps: training losses are logged every 50
        "--train.val_check_interval",
        "1.0",
        "--train.distractor_weight",
        "1.0",
        "--train.distractor_count",
        "2",
        "--train.out_dir",
        str(out),
        "--accelerator",
        "cpu",
        "--devices",
        "1",
    ]
    assert main(args) == 0
    metrics = next((out / "logs").glob("version_*/metrics.csv")).read_text()
    assert "train_distractor_loss" in metrics and "val_hits@1_of_20" in metrics
    hparams = next((out / "logs").glob("version_*/hparams.yaml")).read_text()
    assert "distractor_count: 2" in hparams
    assert (out / "checkpoints" / "best.ckpt").is_file()
