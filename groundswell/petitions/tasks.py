from django_tasks import task

from groundswell.core import emails


@task()
def send_signature_email(signature_id: int) -> None:
    """The confirmation link, or, for someone already counted, a kind note; capped per person."""
    from groundswell.petitions.actions import claim_email_slot
    from groundswell.petitions.models import Signature

    signature = Signature.objects.select_related("petition").filter(pk=signature_id).first()
    if signature is None or not claim_email_slot(signature_id):
        return
    if signature.status == Signature.Status.PENDING:
        emails.signature_confirmation(signature)
    else:
        emails.signature_already_counted(signature)


@task()
def purge_expired_signatures() -> int:
    from groundswell.petitions.actions import purge_expired_signatures

    return purge_expired_signatures()


@task()
def close_past_deadline() -> int:
    from groundswell.petitions.actions import close_past_deadline

    return close_past_deadline()


PERIODIC = [(purge_expired_signatures, 3600), (close_past_deadline, 600)]
