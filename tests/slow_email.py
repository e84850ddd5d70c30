import time

from django.core.mail.backends.filebased import EmailBackend as FileBackend


class EmailBackend(FileBackend):
    """Writes emails to files like the file backend, slowly: a worker can be killed in the middle of a batch."""

    def send_messages(self, email_messages):
        time.sleep(0.4)
        return super().send_messages(email_messages)
