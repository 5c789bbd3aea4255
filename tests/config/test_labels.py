import pytest

from fleettui.config.labels import label_key_error, label_value_error, parse_label_args


@pytest.mark.parametrize("key", ["env", "app.kubernetes.io/name", "a_b.c-d", "x" * 63, "k8s.io/X9"])
def test_valid_keys(key):
    assert label_key_error(key) is None


@pytest.mark.parametrize("key", ["", "-a", "a-", "x" * 64, "/a", "UPPER.io/a", "a b", "a/b/c"])
def test_invalid_keys(key):
    assert label_key_error(key) is not None


def test_values():
    assert label_value_error("k", "") is None
    assert label_value_error("k", "prod-1") is None
    assert label_value_error("k", "bad value") is not None
    assert "quote it" in label_value_error("k", 1)


def test_parse_label_args():
    assert parse_label_args(["a=1", "b-", "c="]) == ({"a": "1", "c": ""}, ["b"])
    for bad in (["nokv"], ["a=b c"], ["-"], ["a=1", "a-"]):
        with pytest.raises(ValueError):
            parse_label_args(bad)
