"""Background work of trust and safety: decision emails, invalidations, purges, recounts."""

import logging

from django_tasks import task

from groundswell.core import emails

log = logging.getLogger(__name__)


@task()
def tell_organisers_of_decision(decision_id: int) -> int:
    """Email the petition's organisers a review decision, with the reason; once."""
    from groundswell.accounts.models import User
    from groundswell.moderation import actions

    decision = actions.claim_decision_email(decision_id)
    if decision is None:
        return 0
    organisers = User.objects.filter(
        memberships__organisation_id=decision.petition.organisation_id, is_active=True
    ).order_by("pk")
    try:
        for organiser in organisers:
            emails.petition_review_decision(decision, to=organiser.email)
    except Exception:
        actions.release_decision_email(decision_id)  # the next try sends them all again
        raise
    return len(organisers)


@task()
def run_invalidation(invalidation_id: int) -> int:
    from groundswell.moderation import actions

    return actions.run_invalidation(invalidation_id)


@task()
def run_revert(invalidation_id: int) -> int:
    from groundswell.moderation import actions

    return actions.run_revert(invalidation_id)


@task()
def purge_audit_log() -> int:
    from groundswell.moderation import actions

    return actions.purge_audit_log()


@task()
def recount_open_petitions() -> int:
    """Nightly: every open petition recounted from its rows. Drift is repaired and reported."""
    from groundswell.moderation import actions
    from groundswell.petitions import actions as petitions

    drift = petitions.recount_open_petitions()
    for petition_id, (was, exact) in drift.items():
        log.error(
            "count drift on petition %s: counter said %s, rows say %s", petition_id, was, exact
        )
        actions.record(
            actor=None,
            action=actions.Action.COUNT_DRIFT,
            subject=f"petition {petition_id}",
            reason=f"counter said {was}, rows say {exact}; repaired",
            network="",
        )
    return len(drift)


PERIODIC = [(purge_audit_log, 24 * 3600), (recount_open_petitions, 24 * 3600)]
