from huey.contrib.djhuey import db_task

from kefu.notify.services import email_deliver_now, sms_deliver_now


@db_task(retries=3, retry_delay=60)
def sms_deliver(message_id: int) -> None:
    sms_deliver_now(message_id)


@db_task(retries=3, retry_delay=60)
def email_deliver(message_id: int) -> None:
    """Send one email; a failure (recorded on the message) is retried by the worker."""
    email_deliver_now(message_id)
