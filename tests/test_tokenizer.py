import io
from pathlib import Path

import pytest
import sentencepiece as spm

from s2s_hub.tokenizer import BOS_ID, EOS_ID, PAD_ID, POOLED_TEXTS, UNK_ID, Tokenizer

UNICODE_TEXTS = [
    "Die Brücke über den Fluß ist schön",
    "Привет, как дела?",
    "我们喜欢小猫",
    "مرحبا بالعالم",
    "Gute Reise 🚀",
]


def corpus() -> list[str]:
    """About 200 varied sentences: a few templates filled with a few words."""
    subjects = ["the dog", "a cat", "my friend", "the teacher", "das Haus"]
    verbs = ["sees", "likes", "finds", "calls"]
    objects = ["the ball", "a house", "the river", "Дом", "猫"]
    sentences = [
        f"{s} {v} {o} {i}"
        for i in range(2)
        for s in subjects
        for v in verbs
        for o in objects
    ]
    return sentences + UNICODE_TEXTS


@pytest.fixture(scope="module", params=["unigram", "bpe"])
def tokenizer(request: pytest.FixtureRequest) -> Tokenizer:
    return Tokenizer.train(
        corpus(),
        vocab_size=400,
        model_type=request.param,
        user_defined_symbols=["<sep>"],
    )


def test_special_ids_are_fixed(tokenizer: Tokenizer) -> None:
    ids = (tokenizer.pad_id, tokenizer.unk_id, tokenizer.bos_id, tokenizer.eos_id)
    assert ids == (PAD_ID, UNK_ID, BOS_ID, EOS_ID) == (0, 1, 2, 3)
    assert tokenizer.pieces([0, 1, 2, 3]) == ["<pad>", "<unk>", "<s>", "</s>"]


def test_encode_adds_no_bos_or_eos(tokenizer: Tokenizer) -> None:
    ids = tokenizer.encode("the dog likes the ball")
    assert ids and BOS_ID not in ids and EOS_ID not in ids


@pytest.mark.parametrize("text", ["the dog likes the ball 1", *UNICODE_TEXTS])
def test_round_trip(tokenizer: Tokenizer, text: str) -> None:
    assert tokenizer.decode(tokenizer.encode(text)) == text


def test_unseen_characters_round_trip_through_bytes(tokenizer: Tokenizer) -> None:
    text = "ἀλήθεια 🦜"
    ids = tokenizer.encode(text)
    assert UNK_ID not in ids
    assert "<0xF0>" in tokenizer.pieces(ids)  # first UTF-8 byte of the parrot
    assert tokenizer.decode(ids) == text


def test_without_byte_fallback_unseen_characters_are_unknown() -> None:
    small = Tokenizer.train(corpus(), vocab_size=80, byte_fallback=False)
    assert UNK_ID in small.encode("🦜")


def test_decode_ignores_pad_bos_eos(tokenizer: Tokenizer) -> None:
    ids = tokenizer.encode("a cat finds the river")
    assert tokenizer.decode([BOS_ID, *ids, EOS_ID, PAD_ID, PAD_ID]) == (
        "a cat finds the river"
    )


def test_separator_symbol_is_one_piece(tokenizer: Tokenizer) -> None:
    pieces = tokenizer.pieces(tokenizer.encode("hello <sep> the dog"))
    assert "<sep>" in pieces
    assert tokenizer.decode(tokenizer.encode("a cat <sep> the dog")) == (
        "a cat <sep> the dog"
    )


def test_pieces_are_readable(tokenizer: Tokenizer) -> None:
    pieces = tokenizer.pieces(tokenizer.encode("das Haus"))
    assert "".join(pieces).replace("▁", " ").strip() == "das Haus"


def test_encode_batch_matches_encode(tokenizer: Tokenizer) -> None:
    texts = ["the dog sees a house", "", *UNICODE_TEXTS]
    many = texts * (POOLED_TEXTS // len(texts) + 1)  # SentencePiece's thread pool
    for batch in (texts, many):
        assert tokenizer.encode_batch(batch) == [tokenizer.encode(t) for t in batch]


def test_save_and_load_give_identical_encodings(
    tokenizer: Tokenizer, tmp_path: Path
) -> None:
    path = tmp_path / "spm.model"
    tokenizer.save(path)
    loaded = Tokenizer.load(path)
    assert loaded.vocab_size == tokenizer.vocab_size
    for text in UNICODE_TEXTS:
        assert loaded.encode(text) == tokenizer.encode(text)


def test_bytes_round_trip(tokenizer: Tokenizer) -> None:
    copy = Tokenizer.from_bytes(tokenizer.to_bytes())
    assert copy.to_bytes() == tokenizer.to_bytes()
    assert copy.encode(UNICODE_TEXTS[0]) == tokenizer.encode(UNICODE_TEXTS[0])


def test_training_is_deterministic() -> None:
    first = Tokenizer.train(corpus(), vocab_size=400, seed=7)
    second = Tokenizer.train(corpus(), vocab_size=400, seed=7)
    assert first.to_bytes() == second.to_bytes()


def test_vocab_size_is_a_soft_limit_for_tiny_corpora() -> None:
    tiny = Tokenizer.train(["ab ba", "abba"], vocab_size=5000, byte_fallback=False)
    assert tiny.vocab_size < 5000
    assert tiny.decode(tiny.encode("abba ab")) == "abba ab"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"vocab_size": 7}, "vocab_size"),
        ({"vocab_size": 300, "model_type": "word"}, "model_type"),
        ({"vocab_size": 10}, "vocab_size=10"),  # fewer pieces than characters
        ({"vocab_size": 100, "byte_fallback": True}, "vocab_size=100"),
    ],
)
def test_bad_training_options_raise(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Tokenizer.train(corpus(), **{"byte_fallback": False, **options})


@pytest.mark.parametrize("texts", [[], ["", "  \n"]])
def test_training_without_text_raises(texts: list[str]) -> None:
    with pytest.raises(ValueError, match="non-blank text"):
        Tokenizer.train(texts, vocab_size=100)


def test_load_missing_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "missing.model"
    with pytest.raises(FileNotFoundError, match="missing.model"):
        Tokenizer.load(path)


def test_load_corrupt_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.model"
    path.write_bytes(b"not a model proto")
    with pytest.raises(ValueError, match="corrupt.model"):
        Tokenizer.load(path)


def test_model_with_other_special_ids_is_refused() -> None:
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus()),
        model_writer=model,
        vocab_size=200,
        hard_vocab_limit=False,
        minloglevel=2,
    )  # SentencePiece's defaults: unk=0, bos=1, eos=2, no pad
    with pytest.raises(ValueError, match="special ids"):
        Tokenizer.from_bytes(model.getvalue())


def byte_ids(tokenizer: Tokenizer, data: bytes) -> list[int]:
    return [tokenizer._sp.piece_to_id(f"<0x{b:02X}>") for b in data]


def test_pieces_that_spell_nothing_never_show_as_replacement_characters(
    tokenizer: Tokenizer,
) -> None:
    cat = tokenizer.encode("a cat")
    broken = byte_ids(tokenizer, "🦜".encode()[:2])  # a parrot cut short
    control = byte_ids(tokenizer, b"\x00")  # normalization removes these from text
    ids = [*cat, *broken, *tokenizer.encode(" finds"), *control, UNK_ID]
    runs = []

    def fill(start: int, end: int) -> str:
        runs.append((start, end))
        return "X"

    assert tokenizer.decode(ids, fill=fill) == "a catX findsX"
    n = len(cat)
    finds_end = n + 2 + len(tokenizer.encode(" finds"))
    assert runs == [(n, n + 2), (finds_end, finds_end + 2)]
    assert tokenizer.decode(ids) == "a cat finds"  # without fill: left out
    assert "\ufffd" in tokenizer._sp.decode(ids)  # what SentencePiece shows


def test_whole_byte_characters_are_spelled(tokenizer: Tokenizer) -> None:
    parrot = byte_ids(tokenizer, "🦜".encode())
    assert tokenizer.decode(parrot, fill=lambda *_: "never") == "🦜"


def test_surfaces_give_the_typed_text_of_each_piece() -> None:
    small = Tokenizer.train(corpus(), vocab_size=80, byte_fallback=False)
    text = "the dog sees Ωμέγα 🦜"
    surfaces = small.surfaces(text)
    assert len(surfaces) == len(small.encode(text))
    assert "".join(surfaces) == text
    unknown = [
        s for s, i in zip(surfaces, small.encode(text), strict=True) if i == UNK_ID
    ]
    assert "🦜" in "".join(unknown)
