from huey.contrib.djhuey import db_task

from kefu.notify.services import sms_deliver_now


@db_task(retries=3, retry_delay=60)
def sms_deliver(message_id: int) -> None:
    sms_deliver_now(message_id)
