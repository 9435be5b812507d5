from django.http import Http404
from django.utils.translation import gettext
from ninja import Router

from groundswell.api.schemas import Error, TargetDetailOut
from groundswell.core.emails import absolute
from groundswell.petitions.models import Petition
from groundswell.targets.models import Delivery, Target

router = Router(tags=["targets"])


def delivery_out(delivery: Delivery) -> dict:
    """A delivery and its answer as the API shows them (``answer`` joined beforehand)."""
    answer = getattr(delivery, "answer", None)
    return {
        "id": delivery.pk,
        "target_id": delivery.target_id,
        "target_name": delivery.target.name,
        "state": str(delivery.state()),
        "method": delivery.method,
        "delivered_at": delivery.delivered_at,
        "deadline": delivery.deadline,
        "waiting_days": delivery.waiting_days(),
        "signature_count": delivery.signature_count,
        "responded_at": delivery.responded_at,
        "answer": None
        if answer is None
        else {
            "text": answer.text,
            "received_on": answer.received_on,
            "recorded_at": answer.recorded_at,
            "source": answer.source,
            "attachment_url": absolute(answer.attachment.url) if answer.attachment else None,
        },
    }


def petition_deliveries_out(petition: Petition) -> dict:
    """What GET /petitions/{slug} adds to a petition: its deliveries, answers and outcome."""
    deliveries = Delivery.objects.filter(petition=petition).for_display()
    return {
        "deliveries": [delivery_out(d) for d in deliveries],
        "outcome_note": petition.outcome_note,
        "outcome_at": petition.outcome_at,
    }


@router.get(
    "/{target_id}",
    response={200: TargetDetailOut, 404: Error},
    summary="A decision-maker, the public campaigns addressed to them and how they answered",
)
def get_target(request, target_id: int):
    target = Target.objects.public().filter(pk=target_id).first()
    if target is None:
        raise Http404(gettext("No such person in the directory."))
    petitions = (
        target.petitions.filter(status__in=Petition.PUBLIC)
        .select_related("organisation")
        .order_by("-published_at", "-pk")
    )
    deliveries = {d.petition_id: d for d in Delivery.objects.filter(target=target).for_display()}
    target.campaigns = [
        {
            "slug": p.slug,
            "title": p.title,
            "status": p.status,
            "url": absolute(p.get_absolute_url()),
            "organisation": p.organisation,
            "delivery": delivery_out(deliveries[p.pk]) if p.pk in deliveries else None,
        }
        for p in petitions
    ]
    return target
