"""The embedded broker hands a worker whole messages only."""

import multiprocessing
from queue import Empty

import pytest
from kombu import Connection
from kombu.transport import filesystem

from portal import filebroker
from portal.celery import app


def _messages_taken_while_sent(transport, folder, count: int = 10) -> list[str]:
    """Send large messages from another process while this one takes each file as soon as it
    is listed, as a worker does.

    Returns what was taken: a message's body, or "" where no whole message was found.
    """
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    options["store_processed"] = False
    fork = multiprocessing.get_context("fork")
    sender = fork.Process(target=_send, args=(transport, options, count))
    taken: list[str] = []
    with Connection(transport=transport, transport_options=options) as conn:
        channel = conn.default_channel
        sender.start()
        try:
            while sender.is_alive() or channel._size("work"):
                try:
                    taken.append(channel._get("work")["body"])
                except Empty:
                    continue
                except ValueError:  # kombu's worker stops here: "Unrecoverable error"
                    taken.append("")
        finally:
            sender.join(timeout=60)
    return taken


def _send(transport, options, count: int) -> None:
    with Connection(transport=transport, transport_options=options) as conn:
        queue = conn.SimpleQueue("work")
        for n in range(count):
            queue.put("x" * 1_000_000 + str(n))


def test_a_worker_never_takes_a_message_before_it_is_written_whole(tmp_path):
    taken = _messages_taken_while_sent(filebroker.Transport, tmp_path)

    assert len(taken) == 10
    assert "" not in taken
    assert not list(tmp_path.iterdir()), "no message or partial file is left behind"


def test_kombus_own_transport_lets_a_worker_take_a_message_half_written(tmp_path):
    """The race the project's transport closes, shown on kombu's own."""
    taken = _messages_taken_while_sent(filesystem.Transport, tmp_path)

    assert "" in taken


def test_the_portal_sends_and_works_through_it_on_the_embedded_default():
    if not app.conf.broker_url.startswith("filesystem://"):
        pytest.skip("the broker is a server here")
    with app.connection_for_write() as conn:
        assert isinstance(conn.transport, filebroker.Transport)
