from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from import_export import fields, resources

from .models import Kind, NonProfitKind


class OrganisationResource(resources.Resource):
    """The directory export: one row per organisation, the columns a partner list needs."""

    id = fields.Field(attribute="pk", column_name=_("Identifier"))
    name = fields.Field(attribute="name", column_name=_("Name"))
    kind = fields.Field(attribute="kind", column_name=_("Kind"))
    non_profit_kind = fields.Field(attribute="non_profit_kind", column_name=_("Kind of non-profit"))
    code = fields.Field(attribute="code", column_name=_("Register code"))
    region = fields.Field(attribute="region", column_name=_("Region"))
    mrc = fields.Field(attribute="mrc__name", column_name=_("MRC"))
    municipality = fields.Field(attribute="municipality__name", column_name=_("Municipality"))
    office = fields.Field(attribute="office__city", column_name=_("Serving office"))
    email = fields.Field(attribute="email", column_name=_("General email"))
    phone = fields.Field(attribute="phone", column_name=_("Phone"))
    website = fields.Field(attribute="website", column_name=_("Website"))
    address = fields.Field(attribute="address", column_name=_("Address"))
    is_demo = fields.Field(attribute="is_demo", column_name=_("Fictitious demo data"))

    def export(self, queryset=None, **kwargs):
        # Labels resolved once per export, not once per row (lazy translations are costly).
        self._labels = {**{k: str(v) for k, v in Kind.choices},
                        **{k: str(v) for k, v in NonProfitKind.choices}, "": ""}
        self._yes_no = (str(_("no")), str(_("yes")))
        return super().export(queryset=queryset, **kwargs)

    def dehydrate_kind(self, organisation):
        return self._labels[organisation.kind]

    def dehydrate_non_profit_kind(self, organisation):
        return self._labels[organisation.non_profit_kind]

    def dehydrate_is_demo(self, organisation):
        return self._yes_no[organisation.is_demo]



class ContactResource(resources.Resource):
    """An organisation's contacts, for the organisation's own export of its data."""

    organisation = fields.Field(attribute="organisation__name", column_name=_("Organisation"))
    first_name = fields.Field(attribute="first_name", column_name=_("First name"))
    last_name = fields.Field(attribute="last_name", column_name=_("Last name"))
    title = fields.Field(attribute="title", column_name=pgettext_lazy("job", "Title"))
    email = fields.Field(attribute="email", column_name=_("Email"))
    phone = fields.Field(attribute="phone", column_name=_("Phone"))
    is_primary = fields.Field(attribute="is_primary", column_name=_("Main contact"))

    def dehydrate_is_primary(self, contact):
        return str(_("yes") if contact.is_primary else _("no"))
