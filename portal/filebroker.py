"""The embedded broker: kombu's filesystem transport, with each message written whole.

kombu's own channel creates a message's file and then writes into it, while a worker
polling the folder takes any file it lists. A worker that took the file between the two
read an empty message and stopped ("Unrecoverable error: JSONDecodeError"). Here the
message is written under a name the worker never takes and renamed into place, which
is atomic within a folder: a worker sees no file or the whole message.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        # A leading dot: kombu matches "<anything>.<queue>.msg" after the first dot only.
        partial = os.path.join(self.data_folder_out, f".{uuid.uuid4()}.partial")
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise ChannelError(f"Cannot add a message to {self.data_folder_out!r}") from exc


class Transport(filesystem.Transport):
    Channel = Channel
