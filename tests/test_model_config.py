import pytest

from s2s_hub.model import Seq2SeqConfig


def make(**changes) -> Seq2SeqConfig:
    return Seq2SeqConfig(src_vocab_size=11, tgt_vocab_size=13, **changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cell": "rnn"}, "cell must be one of"),
        ({"attention": "cosine"}, "attention must be one of"),
        ({"hidden_size": 0}, "hidden_size must be a positive int"),
        ({"dropout": 1.0}, "dropout must be in [0, 1)"),
        ({"tie_embeddings": True, "emb_size": 8, "hidden_size": 7}, "tie_embeddings"),
        ({"attention": "dot", "bidirectional": True}, "dot attention needs"),
        ({"pad_id": 2}, "must differ"),
    ],
)
def test_invalid_combinations_raise_clear_errors(changes, message):
    with pytest.raises(
        ValueError, match=message.replace("[", r"\[").replace(")", r"\)")
    ):
        make(**changes)


def test_all_problems_are_reported_at_once():
    with pytest.raises(ValueError, match="cell.*attention"):
        make(cell="x", attention="y")


def test_dict_round_trip_and_unknown_keys():
    config = make(attention="local-p", local_window=3)
    assert Seq2SeqConfig.from_dict(config.to_dict()) == config
    with pytest.raises(
        ValueError, match="unknown model config keys \\['hiden_size'\\]"
    ):
        Seq2SeqConfig.from_dict({**config.to_dict(), "hiden_size": 3})


def test_encoder_output_size():
    assert make(hidden_size=7).encoder_output_size == 14
    assert make(hidden_size=7, bidirectional=False).encoder_output_size == 7
