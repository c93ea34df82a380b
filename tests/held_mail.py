"""The file email backend of the real-worker tests, which a test can hold just before an email
is written: while the file named by ``HOLD_MAIL_FLAG`` exists, a send first creates
``<flag>.waiting`` and waits. The test then knows exactly where the worker is (inside the send:
its row locked and marked, its transaction open, nothing written) when it kills it."""

import os
import time
from pathlib import Path

from django.core.mail.backends import filebased


class HeldFileBackend(filebased.EmailBackend):
    def send_messages(self, email_messages):
        flag = os.environ.get("HOLD_MAIL_FLAG", "")
        if flag and os.path.exists(flag):
            Path(f"{flag}.waiting").touch()
            while os.path.exists(flag):
                time.sleep(0.02)
        return super().send_messages(email_messages)
