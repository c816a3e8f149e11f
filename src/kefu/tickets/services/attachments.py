"""Files on an order's timeline (photos, recordings, documents), stored through Django's
storage API so that any server can read them."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.org.models import User
from kefu.tickets.models import Attachment, EventKind, Ticket
from kefu.tickets.services.common import ticket_lock
from kefu.tickets.services.identity import identity_keep, sealed_file_name
from kefu.tickets.services.timeline import timeline_append

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".amr": "audio/amr",
}


@transaction.atomic
def attachment_add(
    *, ticket: Ticket, actor: User | None, upload, note: str = "", now: datetime | None = None
) -> Attachment:
    """Store an uploaded file (through Django's storage) on the order's timeline; with no
    actor for files that came in with the customer's email. On an order whose reporter is
    sealed the file is stored and shown as 附件N.ext; its original name is sealed."""
    now = now or timezone.now()
    name = upload.name or "file"
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in ATTACHMENT_TYPES:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("Files of type “%(type)s” are not accepted. Accepted: %(types)s")
                    % {"type": suffix or "?", "types": " ".join(sorted(ATTACHMENT_TYPES))},
                    code="file_type_not_accepted",
                )
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": ValidationError(_("The file is empty."), code="empty")})
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("The file is larger than %(mb)d MB.") % {"mb": ATTACHMENT_MAX_BYTES // 2**20},
                    code="file_too_large",
                )
            }
        )
    ticket = ticket_lock(ticket=ticket)
    if ticket.identity_sealed:
        # the reporter's file names may name them: stored and shown under a neutral name
        original = name
        name = sealed_file_name(ticket=ticket, original=original)
        upload.name = name
        note = "" if (note or "").strip() == original else note
        identity_keep(
            ticket=ticket, identity={"attachments": [{"name": name, "original": original}]}, now=now
        )
    event = timeline_append(
        ticket=ticket,
        kind=EventKind.ATTACHMENT,
        actor=actor,
        note=(note or "").strip() or name,
        now=now,
    )
    return Attachment.objects.create(
        ticket=ticket,
        event=event,
        file=upload,
        name=name[:200],
        size=upload.size,
        content_type=ATTACHMENT_TYPES[suffix],
        uploaded_by=actor,
    )
