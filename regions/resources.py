"""django-import-export resource of cohort statistics, for the Django admin's import/export.

The admin path uses import-export's own machinery with the portal's rules: regions found by
code or name (any case, accents, hyphen or en dash), categories in English or French, counts
written "1 234", rows matched on the natural key, and the model's constraints checked
(present <= admitted, cohort order) before anything is saved; import-export runs the whole
import in one transaction and rolls it back when a row has an error."""

from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from .cohorts import _category, _integer, _Regions
from .models import CohortStatistic, Region


class RegionWidget(widgets.ForeignKeyWidget):
    """A region by its code ("06", "6") or its name, however it is written."""

    def __init__(self):
        super().__init__(Region, field="code")
        self._regions = None

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if self._regions is None:
            self._regions = _Regions()
        pk = self._regions.find(str(value).strip())
        if pk is None:
            raise ValueError(_("Unknown region “%(value)s”: give its code (01 to 17) or its "
                               "name.") % {"value": value})
        return Region.objects.get(pk=pk)

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class CountWidget(widgets.IntegerWidget):
    """Whole numbers, with spaces or no-break spaces between thousands."""

    def clean(self, value, row=None, **kwargs):
        if (isinstance(value, int | float) and not isinstance(value, bool)
                and float(value).is_integer() and value >= 0):
            return int(value)
        number = _integer(str(value if value is not None else ""))
        if isinstance(number, int):
            return number
        if number == "empty":
            return None
        if number == "negative":
            raise ValueError(_("The count cannot be negative."))
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})


class CategoryWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        category = _category("" if value is None else str(value))
        if category is None:
            raise ValueError(_("Unknown category “%(value)s”: expected all, economic, "
                               "family, refugee or other (empty means all).")
                             % {"value": value})
        return category

    def render(self, value, obj=None, **kwargs):
        return value or ""


class CohortStatisticResource(resources.ModelResource):
    region = fields.Field(attribute="region", column_name="region", widget=RegionWidget())
    cohort_start = fields.Field(attribute="cohort_start", column_name="cohort_start",
                                widget=CountWidget())
    cohort_end = fields.Field(attribute="cohort_end", column_name="cohort_end",
                              widget=CountWidget())
    reference_year = fields.Field(attribute="reference_year", column_name="reference_year",
                                  widget=CountWidget())
    category = fields.Field(attribute="category", column_name="category",
                            widget=CategoryWidget())
    admitted = fields.Field(attribute="admitted", column_name="admitted", widget=CountWidget())
    present = fields.Field(attribute="present", column_name="present", widget=CountWidget())

    class Meta:
        model = CohortStatistic
        fields = ("region", "cohort_start", "cohort_end", "reference_year", "category",
                  "admitted", "present")
        export_order = fields
        import_id_fields = ("region", "cohort_start", "cohort_end", "reference_year",
                            "category")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True  # full_clean(): field checks and the model's constraints
        use_transactions = True


    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=True, **kwargs):
        # All or nothing, as on the staff page: a row failing validation rolls back the rest
        # (the admin passes True too; callers of the resource get the same by default).
        return super().import_data(
            dataset, dry_run=dry_run, raise_errors=raise_errors,
            use_transactions=use_transactions, collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=rollback_on_validation_errors, **kwargs)
