"""The texts of regional opportunities' and activities' notifications
(``notifications.messages``)."""

from django.utils.translation import gettext_lazy as _

from notifications.messages import group, register

from .models import OpportunityStatus

group("opportunities", _("Regional opportunities and their referrals"), position=30)

OPPORTUNITY = {"from": OpportunityStatus, "to": OpportunityStatus}

register("opportunity_status", _("Regional opportunity “%(opportunity)s” (%(organisation)s): "
                                 "%(from)s → %(to)s."), group="opportunities", labels=OPPORTUNITY)
register("opportunity_referral", _("%(organisation)s records hires for your opportunity "
                                   "“%(opportunity)s”: %(hires)s in all."),
         group="opportunities")
register("reminder_opportunity_expiring", _("Your regional opportunity “%(opportunity)s” "
                                            "leaves the board after %(due)s: extend it, or mark "
                                            "it filled."), group="reminders")
register("reminder_activity_outcomes", _("Record how many participants of “%(activity)s” "
                                         "settled in the regions after %(months)s months (due "
                                         "since %(due)s)."), group="reminders")
