"""The garbage collector paused for a check comes back on however the check ends."""

import gc

import pytest

from blacklist.lib.collection import collection_paused


def test_the_collector_is_paused_inside_and_back_on_after_an_error():
    with pytest.raises(ValueError), collection_paused():
        assert not gc.isenabled()
        raise ValueError

    assert gc.isenabled()


def test_a_pause_inside_a_pause_leaves_it_to_the_outer_one():
    with collection_paused():
        with collection_paused():
            pass
        assert not gc.isenabled()

    assert gc.isenabled()
