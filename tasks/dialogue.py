"""Reply to a chat: the last turns of a human-to-human conversation -> the next turn.

The data are BYU's Chit-Chat Challenge conversations, informal typing included. The
source is the last ``context_turns`` turns joined with `` <sep> ``; splits keep each
conversation on one side, since neighbouring pairs share turns.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from pathlib import Path

from s2s_hub import presets
from s2s_hub.data.pairs import Pair
from s2s_hub.registry import Scorer, Task, register_task
from s2s_hub.scoring.baselines import Baseline, unigram_perplexity, unless_missing
from s2s_hub.scoring.metrics import corpus_bleu, distinct_n, unseen_word_rate, words
from s2s_hub.search.config import DecodeConfig
from s2s_hub.sources import chatterbot, chitchat
from s2s_hub.sources.card import write_card
from s2s_hub.sources.hf import HFDatasetOptions
from s2s_hub.sources.splitting import split_records, stable_hash, write_splits
from s2s_hub.tokenizer import Tokenizer

DATA = Path(__file__).parent / "data"
SHIPPED_CONTEXT_TURNS = 2
# A CPU can train on only part of the conversations in the time budget; a smaller
# train file also keeps the shipped data under 8 MB.
MAX_TRAIN = 80_000
MAX_WORDS = 60
DEMO_PROMPTS = 8
# ChatterBot's other categories are trivia and tech support, not chit-chat.
DEMO_CATEGORIES = ("conversations", "greetings")
# hits@1 of N: the true reply ranked against N - 1 replies of other test dialogues.
RANKING_CANDIDATES = 20
# Everyday openers that the model card answers with the default decoding, so that a
# reader judges fluency and relevance without running anything.
EVERYDAY_PROMPTS = (
    "hi, how are you?",
    "what do you do for a living?",
    "what are you doing this weekend?",
    "do you have any pets?",
    "what kind of music do you like?",
    "where are you from?",
    "what did you have for dinner?",
    "have you seen any good movies lately?",
    "what's your favorite food?",
    "do you like to read?",
    "how was your day?",
    "what are you studying?",
    "do you play any sports?",
    "what's the weather like there?",
    "are you going home for the holidays?",
    "what's your favorite class this semester?",
    "do you have any siblings?",
    "what do you like to do for fun?",
    "i just got back from a run",
    "i'm so tired, i stayed up all night studying",
)

CARD = """
# Dialogue data: Chit-Chat Challenge

(context -> reply) pairs of human-to-human chats for `s2s-hub`'s `dialogue` task,
built by `s2s-hub data prepare dialogue` (task option `context_turns={turns}`).

## Sources and licenses

- **chitchat-dataset** (PyPI, MIT): BYU's Chit-Chat Challenge, 7,168 conversations
  collected from students chatting with each other.
- **chatterbot-corpus** (PyPI, BSD-3-Clause): the English prompts of `demo.txt`,
  used only by the demo.

## Splits

{statistics}

Word counts are whitespace tokens (`<sep>` included). A turn is one speaker's
consecutive messages joined by spaces; each turn after the first is a reply to up to
{turns} turns before it, joined with ` <sep> `. Pairs are dropped when a turn has a
URL, an e-mail address or a profanity from a short word list, or when source or reply
is longer than {max_words} words. Exact duplicates are removed; pairs are grouped by
conversation and groups go to test, dev or train in the order of their id's SHA-1, so
reruns give the same files and no conversation straddles two splits. No source text
appears in two splits (train loses the few short contexts shared with dev or test).
Train is capped at {max_train:,} of its {available:,} pairs (those with the smallest
SHA-1 of their text) to keep the files small and fit a CPU training budget.
"""


@register_task("dialogue")
@dataclass(frozen=True)
class Dialogue(HFDatasetOptions, Task):
    description = "Reply to the last turns of an informal chat (Chit-Chat Challenge)."
    data_license = "MIT (chitchat-dataset); demo prompts BSD-3-Clause (chatterbot)"
    data_source = "BYU Chit-Chat Challenge via the chitchat-dataset package"
    source_label = "Conversation so far (turns separated by <sep>)"
    target_label = "Reply"
    # many replies fit a chat: BLEU against one of them says little; ranking the
    # true reply is what the model is judged by (validation measures it too)
    selection_metric = f"hits@1_of_{RANKING_CANDIDATES}"
    selection_mode = "max"
    # beam search: sampling at any temperature spelled made-up words at twice the
    # rate people type them (dev unseen_words, docs/recipes.md); the demo's
    # "diverse" style still samples
    decoding = DecodeConfig(
        method="beam", beam_size=5, max_length=40, no_repeat_ngram_size=3
    )
    max_source_tokens = 96
    max_target_tokens = 48
    vocab_size = 6000
    special_tokens = (chitchat.SEPARATOR.strip(),)
    keep_source_end = True  # the newest turns matter most
    demo_kind = "chat"
    model_defaults = {**presets.SMALL_BILSTM, "copy": True}
    training_defaults = {
        **presets.UNTIL_DEV_STOPS,
        "max_tokens": 4000,
        # trained against distractors: test hits@1 7.8% -> 10.9% with one, 15.7%
        # with four of the batch, 17.1% with eight of the previous batch, replies of
        # other lengths, 21.3% with the ranking loss weighted 2 (docs/recipes.md);
        # validation then ranks every dev reply (minutes), so it runs less often
        "distractor_weight": 2.0,
        "distractor_count": 8,
        "distractor_pool": "previous",
        "val_check_interval": 500,
    }

    context_turns: int = SHIPPED_CONTEXT_TURNS

    def __post_init__(self) -> None:
        if self.context_turns < 1:
            raise ValueError(f"context_turns must be >= 1, got {self.context_turns}")

    def default_data_dir(self) -> Path:
        return DATA / "dialogue"

    def make_pair(self, record: dict[str, str]) -> Pair:
        """A pair whose source keeps only the last ``context_turns`` turns.

        So the shipped two-turn data also serve ``context_turns=1``; more turns than a
        file holds need ``prepare`` with that option.
        """
        turns = record["source"].split(chitchat.SEPARATOR)
        return Pair(
            chitchat.SEPARATOR.join(turns[-self.context_turns :]), record["target"]
        )

    def metrics(
        self, hypotheses: list[str], references: list[str], sources: list[str]
    ) -> dict[str, float]:
        scores = {
            "bleu": corpus_bleu(hypotheses, references),
            "distinct_1": distinct_n(hypotheses, 1),
            "distinct_2": distinct_n(hypotheses, 2),
        }
        if known := self.training_words():
            # made-up words (% of words), which distinct-n would count as diversity
            scores["unseen_words"] = unseen_word_rate(hypotheses, known)
        return scores

    @functools.cache  # noqa: B019 - tasks are frozen and few: one word set each
    def training_words(self) -> frozenset[str]:
        """Every word of the training turns: what ``unseen_words`` counts as real
        (none without a training split)."""
        try:
            pairs = self.pairs("train")
        except FileNotFoundError:
            return frozenset()
        return frozenset(w for p in pairs for w in words(p.source + " " + p.target))

    def model_metrics(self, score: Scorer, pairs: list[Pair]) -> dict[str, float]:
        """hits@1 of 20 (%): how often the true reply, by the model's length-normalised
        log-probability, beats 19 replies drawn from other test dialogues."""
        if len(pairs) < RANKING_CANDIDATES:
            return {}
        rounds = [distractors(pairs, i) for i in range(len(pairs))]
        candidates = [
            Pair(pairs[i].source, pairs[j].target)
            for i, others in enumerate(rounds)
            for j in [i, *others]
        ]
        means = [s.mean_log_prob for s in score(candidates)]
        hits = 0
        for start in range(0, len(means), RANKING_CANDIDATES):
            true, *others = means[start : start + RANKING_CANDIDATES]
            hits += true > max(others)
        return {f"hits@1_of_{RANKING_CANDIDATES}": 100 * hits / len(pairs)}

    def baselines(self, pairs: list[Pair], tokenizer: Tokenizer) -> list[Baseline]:
        """Chance for the ranking and a unigram model of this task's training
        replies for perplexity."""
        name = "chance (ranking), unigram reply model (perplexity)"

        def chance_and_unigram() -> Baseline:
            train_targets = [p.target for p in self.pairs("train")]
            targets = [p.target for p in pairs]
            ppl = unigram_perplexity(
                tokenizer, train_targets, targets, self.max_target_tokens
            )
            chance = 100 / RANKING_CANDIDATES
            return Baseline(
                name, {f"hits@1_of_{RANKING_CANDIDATES}": chance, "ppl": ppl}
            )

        return [unless_missing(name, chance_and_unigram)]

    def card_examples(self) -> list[str]:
        return list(EVERYDAY_PROMPTS)

    def demo_examples(self) -> list[str]:
        demo = DATA / "dialogue" / "demo.txt"
        return demo.read_text("utf-8").splitlines() if demo.exists() else []

    def prepare(self, out_dir: Path) -> dict[str, int]:
        """Rebuild the splits, ``demo.txt`` and ``DATA.md`` from installed corpora."""
        records = [
            row
            for row in chitchat.read_exchanges(context_turns=self.context_turns)
            if max(len(row["source"].split()), len(row["target"].split())) <= MAX_WORDS
        ]
        splits = split_records(records, group_of=lambda r: r["conversation"])
        available = len(splits["train"])
        splits["train"] = splits["train"][:MAX_TRAIN]  # sorted by hash: a fixed sample
        counts = write_splits(splits, out_dir)
        (Path(out_dir) / "demo.txt").write_text(
            "\n".join(_demo_prompts()) + "\n", "utf-8"
        )
        write_card(
            out_dir,
            CARD,
            turns=self.context_turns,
            max_words=MAX_WORDS,
            max_train=MAX_TRAIN,
            available=available,
        )
        return counts


def _demo_prompts() -> list[str]:
    """A fixed sample of the questions in ChatterBot's English small talk."""
    openers = {
        row["source"]
        for row in chatterbot.read_conversations(languages=("english",))
        if row["category"] in DEMO_CATEGORIES
        and row["source"].endswith("?")
        and 3 <= len(row["source"].split()) <= 10
    }
    return sorted(openers, key=stable_hash)[:DEMO_PROMPTS]


def distractors(pairs: list[Pair], index: int, seed: int = 0) -> list[int]:
    """Indices of ``RANKING_CANDIDATES - 1`` pairs whose reply is not part of pair
    ``index``'s dialogue: neither reply occurs in the other's context (the split
    files keep no conversation id; neighbouring turns quote each other)."""
    rng = random.Random(seed * 1_000_003 + index)
    own = pairs[index]
    chosen: list[int] = []
    for j in rng.sample(range(len(pairs)), len(pairs)):
        other = pairs[j]
        same_dialogue = own.target in other.source or other.target in own.source
        if j != index and not same_dialogue and other.target != own.target:
            chosen.append(j)
            if len(chosen) == RANKING_CANDIDATES - 1:
                break
    return chosen
